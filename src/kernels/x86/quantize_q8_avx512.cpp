// Per-tensor QuantizeLinear (float32 -> uint8/int8) and DequantizeLinear (uint8/int8 ->
// float32) on AVX-512: the float edges of an integer graph (the input's Q, the output's
// DQ). Same maths as the reference, lane by lane: q = clamp(roundeven(x / s) + zp) with an
// IEEE division (not a reciprocal multiply), NaN to the type's minimum as saturate_round
// does (vmaxps returns its second operand for NaN); y = float(q - zp) * s. Per-axis
// parameters and other types go to the reference.
#include <immintrin.h>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/quantize.hpp"
#include "runtime/thread_pool.hpp"

// GCC 12's unmasked AVX-512 intrinsics trip -Wmaybe-uninitialized (see qgemm_u8_avx512.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wisp::x86 {
namespace {

bool per_tensor(const KernelArgs& a) {
  const auto& p = a.p<ref::QuantizeLinearParams>();
  return !p.per_axis && a.in[1]->dtype == DType::kF32 && a.in[1]->numel() == 1 &&
         (!a.has_in(2) || a.in[2]->numel() == 1);
}

int32_t zero_point(const KernelArgs& a) {
  if (!a.has_in(2)) return 0;
  return a.in[2]->dtype == DType::kI8 ? a.in[2]->as<const int8_t>()[0] : a.in[2]->as<const uint8_t>()[0];
}

void quantize_kernel(const KernelArgs& a) {
  static const KernelFn reference = find_kernel("", "QuantizeLinear", DType::kUndefined, Isa::kRef);
  const DType out = a.out[0]->dtype;
  if (!per_tensor(a) || (out != DType::kU8 && out != DType::kI8)) return reference(a);
  const bool s8 = out == DType::kI8;
  const __m512 scale = _mm512_set1_ps(a.in[1]->as<const float>()[0]);
  const __m512 zp = _mm512_set1_ps(static_cast<float>(zero_point(a)));
  const __m512 lo = _mm512_set1_ps(s8 ? -128.0f : 0.0f), hi = _mm512_set1_ps(s8 ? 127.0f : 255.0f);
  const float* x = a.in[0]->as<const float>();
  uint8_t* y = a.out[0]->as<uint8_t>();
  const int64_t n = a.in[0]->numel();
  parallel_for(a.pool, (n + 63) / 64, [&](int64_t l0, int64_t l1) {
    for (int64_t j = l0 * 64; j < std::min(n, l1 * 64); j += 16) {
      const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
      const __m512 q = _mm512_roundscale_ps(_mm512_div_ps(_mm512_maskz_loadu_ps(m, x + j), scale),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m512 c = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(q, zp), lo), hi);
      _mm_mask_storeu_epi8(y + j, m, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(c)));
    }
  });
}

void dequantize_kernel(const KernelArgs& a) {
  static const KernelFn reference = find_kernel("", "DequantizeLinear", DType::kUndefined, Isa::kRef);
  if (!per_tensor(a) || a.out[0]->dtype != DType::kF32) return reference(a);
  const bool s8 = a.in[0]->dtype == DType::kI8;
  const __m512 scale = _mm512_set1_ps(a.in[1]->as<const float>()[0]);
  const __m512i zp = _mm512_set1_epi32(zero_point(a));
  const uint8_t* x = a.in[0]->as<const uint8_t>();
  float* y = a.out[0]->as<float>();
  const int64_t n = a.in[0]->numel();
  parallel_for(a.pool, (n + 63) / 64, [&](int64_t l0, int64_t l1) {
    for (int64_t j = l0 * 64; j < std::min(n, l1 * 64); j += 16) {
      const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
      const __m128i b = _mm_maskz_loadu_epi8(m, x + j);
      const __m512i v = s8 ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
      _mm512_mask_storeu_ps(y + j, m, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, zp)), scale));
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("QuantizeLinear", DType::kF32, Isa::kAvx512, quantize_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kU8, Isa::kAvx512, dequantize_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kI8, Isa::kAvx512, dequantize_kernel);

}  // namespace wisp::x86
