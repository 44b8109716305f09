#include "cpu/cpu_features.hpp"

#include <cstdlib>
#include <string>

#include "core/status.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define WISP_CPU_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define WISP_CPU_ARM64 1
#endif

namespace wisp {
namespace {

#if defined(WISP_CPU_X86)
uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(WISP_CPU_X86)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  f.fma = (c >> 12) & 1;
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // SSE + AVX state
  const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask + ZMM0-15 high + ZMM16-31
  if (!os_ymm) {
    f.fma = false;
    return f;
  }
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2 = (b >> 5) & 1;
  if (os_zmm) {
    f.avx512f = (b >> 16) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512vnni = (c >> 11) & 1;
  }
#elif defined(WISP_CPU_ARM64)
  f.neon = true;
#if defined(HWCAP_ASIMDDP)
  f.dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa isa_for(const CpuFeatures& f) {
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx2 && f.fma) return Isa::kAvx512;
  if (f.avx2 && f.fma) return Isa::kAvx2;
  if (f.neon) return Isa::kNeon;
  return Isa::kPortable;
}

std::optional<Isa> parse_isa(std::string_view name) {
  for (Isa isa : {Isa::kRef, Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kNeon})
    if (isa_name(isa) == name) return isa;
  return std::nullopt;
}

Isa min_isa(Isa a, Isa b) {
  // kNeon sits above ref/portable but is not comparable with the x86 levels; a cap of an
  // x86 level on ARM (or neon on x86) falls back to portable.
  const auto x86 = [](Isa i) { return i == Isa::kAvx2 || i == Isa::kAvx512; };
  if ((a == Isa::kNeon && x86(b)) || (b == Isa::kNeon && x86(a))) return Isa::kPortable;
  return static_cast<int>(a) < static_cast<int>(b) ? a : b;
}

Isa detected_isa() {
  static const Isa isa = isa_for(cpu_features());
  return isa;
}

Isa best_isa() {
  static const Isa isa = [] {
    const char* cap = std::getenv("WISP_MAX_ISA");
    if (!cap || !*cap) return detected_isa();
    const std::optional<Isa> parsed = parse_isa(cap);
    WISP_CHECK(parsed.has_value(), ErrorCode::kInvalidArgument, "WISP_MAX_ISA='", cap,
               "' is not one of ref, portable, avx2, avx512, neon");
    return min_isa(detected_isa(), *parsed);
  }();
  return isa;
}

}  // namespace wisp
