// Attention (com.wisp, float32) on AVX2 and AVX-512 (attention_f32_driver.hpp). Built
// without ISA flags: it only finds the slots in the planned scratch and picks the ISA's
// GEMM. The infer (ir/ops/attention.cpp) sized the scratch for the session's threads.
#include <cstdint>

#include "core/status.hpp"
#include "kernels/attention_blocking.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/x86/attention_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void attention_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::AttentionParams>();
  AttentionF32Args a;
  a.p = &p;
  a.gemm = gemm_f32_impl(kIsa);
  WISP_ASSERT(a.gemm && a.gemm->nr <= kAttentionMaxNr);
  a.q = args.in[0]->as<const float>();
  a.k = args.in[1]->as<const float>();
  a.v = args.in[2]->as<const float>();
  a.mask = args.has_in(3) ? args.in[3]->as<const float>() : nullptr;
  a.y = args.out[0]->as<float>();
  // The arena hands out 64-byte-aligned scratch; align anyway (the request has 64 spare).
  const auto addr = reinterpret_cast<uintptr_t>(args.scratch);
  const int64_t spare = static_cast<int64_t>((64 - addr % 64) % 64);
  a.scratch = reinterpret_cast<float*>(addr + static_cast<uintptr_t>(spare));
  a.slot = attention_slot(p.sk, p.d, p.dv);
  a.block_rows = attention_block_rows(p.sk);
  const int64_t slot_bytes = a.slot.floats * 4;
  a.slots = slot_bytes > 0 ? static_cast<int>((args.scratch_bytes - spare) / slot_bytes) : 1;  // 0 with Sk = Dv = 0
  WISP_ASSERT(a.slots >= 1);
  if (kIsa == Isa::kAvx512) attention_f32_avx512(a, args.pool);
  else attention_f32_avx2(a, args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("Attention", DType::kF32, Isa::kAvx2, attention_f32_kernel<Isa::kAvx2>, "com.wisp");
WISP_REGISTER_KERNEL("Attention", DType::kF32, Isa::kAvx512, attention_f32_kernel<Isa::kAvx512>, "com.wisp");

}  // namespace wisp::x86
