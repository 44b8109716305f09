// What the CPU can run, detected once per process, and the best kernel ISA it allows.
//
// x86-64: cpuid for the instruction sets, and xgetbv for whether the OS saves the wide
// registers (an AVX-512 CPU under an OS that does not save ZMM state cannot use them).
// aarch64: NEON is architectural; dotprod comes from getauxval(AT_HWCAP). Elsewhere
// nothing is detected and the portable/reference kernels run.
//
// WISP_MAX_ISA=ref|portable|avx2|avx512|neon caps the result (A/B timing, tests of the
// fallback paths); a value above what the CPU has is ignored, an unknown one is an error.
#pragma once
#include <optional>
#include <string_view>

#include "kernels/kernel_registry.hpp"

namespace wisp {

struct CpuFeatures {
  bool avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false;
  bool neon = false, dotprod = false;
};

// Detected on first call; never changes afterwards.
const CpuFeatures& cpu_features();

// The best ISA the CPU has, ignoring WISP_MAX_ISA.
Isa detected_isa();
// detected_isa() capped by WISP_MAX_ISA (read once); what sessions use by default.
Isa best_isa();

// Pure helpers, exposed for tests.
Isa isa_for(const CpuFeatures& f);
std::optional<Isa> parse_isa(std::string_view name);  // "ref", "avx2"...; nullopt if unknown
// The smaller of two ISAs on the same architecture (kNeon is only compared with ref/portable).
Isa min_isa(Isa a, Isa b);

}  // namespace wisp
