// QLinearAdd (fixed point, kernels/ref/qadd.hpp) loop on AVX-512 for inputs of the output's
// shape, the residual Adds of quantized CNNs (entry point: q8_elementwise_ops.cpp).
// 16 bytes per step: widened to int32, zero points off, the 64-bit products of the even
// and odd lanes (vpmuldq) summed, rounded, shifted (vpsraq) and clamped in 64 bits, then
// merged and narrowed back to bytes -- qadd_value bit for bit. int8 runs in the uint8
// domain (x ^ 0x80 = x + 128, zero points + 128).
#include <immintrin.h>

#include "kernels/x86/q8_elementwise.hpp"

// GCC 12's unmasked 64-bit AVX-512 intrinsics trip -Wmaybe-uninitialized (see
// qgemm_u8_avx512.cpp): a false positive, silenced for this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wisp::x86 {
namespace {

void qadd_run(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip) {
  const int32_t off = flip ? 128 : 0;
  const __m512i za = _mm512_set1_epi32(p.a_zp + off), zb = _mm512_set1_epi32(p.b_zp + off);
  const __m512i ma = _mm512_set1_epi64(p.ma), mb = _mm512_set1_epi64(p.mb);
  const __m512i round = _mm512_set1_epi64(int64_t{1} << (p.shift - 1));
  const __m128i shift = _mm_cvtsi32_si128(p.shift);
  const __m512i lo = _mm512_set1_epi64(int64_t{p.qmin} - p.y_zp), hi = _mm512_set1_epi64(int64_t{p.qmax} - p.y_zp);
  const __m512i yzp = _mm512_set1_epi32(p.y_zp + off), low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m128i vflip = _mm_set1_epi8(static_cast<char>(flip));
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 mask = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    const __m128i a8 = _mm_xor_si128(_mm_maskz_loadu_epi8(mask, a + j), vflip);
    const __m128i b8 = _mm_xor_si128(_mm_maskz_loadu_epi8(mask, b + j), vflip);
    const __m512i av = _mm512_sub_epi32(_mm512_cvtepu8_epi32(a8), za);
    const __m512i bv = _mm512_sub_epi32(_mm512_cvtepu8_epi32(b8), zb);
    const auto lanes = [&](__m512i x, __m512i z) {  // even int32 lanes of x and z -> clamped int64
      __m512i s = _mm512_add_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, ma), _mm512_mul_epi32(z, mb)), round);
      s = _mm512_sra_epi64(s, shift);
      return _mm512_min_epi64(_mm512_max_epi64(s, lo), hi);
    };
    const __m512i even = lanes(av, bv), odd = lanes(_mm512_srli_epi64(av, 32), _mm512_srli_epi64(bv, 32));
    const __m512i merged = _mm512_or_si512(_mm512_and_si512(even, low32), _mm512_slli_epi64(odd, 32));
    const __m128i bytes = _mm_xor_si128(_mm512_cvtepi32_epi8(_mm512_add_epi32(merged, yzp)), vflip);
    _mm_mask_storeu_epi8(y + j, mask, bytes);
  }
}

}  // namespace

void qadd_q8_avx512(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip) {
  qadd_run(a, b, y, n, p, flip);
}

}  // namespace wisp::x86
