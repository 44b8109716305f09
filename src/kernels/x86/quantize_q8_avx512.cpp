// Per-tensor QuantizeLinear (float32 -> uint8/int8) and DequantizeLinear (uint8/int8 ->
// float32) loops on AVX-512 (entry points: q8_elementwise_ops.cpp): the float edges of an
// integer graph. Same maths as the reference, lane by lane: q = clamp(roundeven(x / s) +
// zp) with an IEEE division (not a reciprocal multiply), NaN to the type's minimum as
// saturate_round does (vmaxps returns its second operand for NaN); y = float(q - zp) * s.
#include <immintrin.h>

#include "kernels/x86/q8_elementwise.hpp"

// GCC 12's unmasked AVX-512 intrinsics trip -Wmaybe-uninitialized (see qgemm_u8_avx512.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wisp::x86 {

void quantize_f32_q8_avx512(const float* x, uint8_t* y, int64_t n, float s, int32_t zero_point, bool s8) {
  const __m512 scale = _mm512_set1_ps(s);
  const __m512 zp = _mm512_set1_ps(static_cast<float>(zero_point));
  const __m512 lo = _mm512_set1_ps(s8 ? -128.0f : 0.0f), hi = _mm512_set1_ps(s8 ? 127.0f : 255.0f);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    const __m512 q = _mm512_roundscale_ps(_mm512_div_ps(_mm512_maskz_loadu_ps(m, x + j), scale),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 c = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(q, zp), lo), hi);
    _mm_mask_storeu_epi8(y + j, m, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(c)));
  }
}

void dequantize_q8_f32_avx512(const uint8_t* x, float* y, int64_t n, float s, int32_t zero_point, bool s8) {
  const __m512 scale = _mm512_set1_ps(s);
  const __m512i zp = _mm512_set1_epi32(zero_point);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    const __m128i b = _mm_maskz_loadu_epi8(m, x + j);
    const __m512i v = s8 ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
    _mm512_mask_storeu_ps(y + j, m, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(v, zp)), scale));
  }
}

}  // namespace wisp::x86
