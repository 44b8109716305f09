// QLinearAdd (fixed point, kernels/ref/qadd.hpp) loop on AVX2, for inputs of the output's
// shape (entry point and broadcasting: q8_elementwise_ops.cpp). As the AVX-512 loop
// (qadd_q8_avx512.cpp), 8 bytes per step; AVX2 lacks the 64-bit arithmetic shift and
// min/max, so (as in the GEMM's requantization, qgemm_u8_avx2.cpp) the rounded sum is
// offset by 2^63 for a logical shift and clamped with 64-bit compares. Bit for bit
// qadd_value.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/x86/q8_elementwise.hpp"

namespace wisp::x86 {
namespace {

void qadd_run(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip) {
  const int32_t off = flip ? 128 : 0;
  const __m256i za = _mm256_set1_epi32(p.a_zp + off), zb = _mm256_set1_epi32(p.b_zp + off);
  const __m256i ma = _mm256_set1_epi64x(p.ma), mb = _mm256_set1_epi64x(p.mb);
  const __m256i round =
      _mm256_set1_epi64x(static_cast<int64_t>((uint64_t{1} << 63) + (uint64_t{1} << (p.shift - 1))));
  const __m256i unbias = _mm256_set1_epi64x(static_cast<int64_t>(uint64_t{1} << (63 - p.shift)));
  const __m128i shift = _mm_cvtsi32_si128(p.shift);
  const __m256i lo = _mm256_set1_epi64x(int64_t{p.qmin} - p.y_zp), hi = _mm256_set1_epi64x(int64_t{p.qmax} - p.y_zp);
  const __m256i yzp = _mm256_set1_epi32(p.y_zp + off);
  alignas(32) int32_t out[8];
  for (int64_t j = 0; j < n; j += 8) {
    const int64_t cnt = std::min<int64_t>(8, n - j);
    uint64_t a8 = 0, b8 = 0;
    std::memcpy(&a8, a + j, static_cast<size_t>(cnt));
    std::memcpy(&b8, b + j, static_cast<size_t>(cnt));
    const uint64_t f8 = flip * 0x0101010101010101ull;
    const __m256i av = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(a8 ^ f8))), za);
    const __m256i bv = _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(b8 ^ f8))), zb);
    const auto lanes = [&](__m256i x, __m256i z) {  // even int32 lanes -> clamped int64
      const __m256i s = _mm256_add_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, ma), _mm256_mul_epi32(z, mb)), round);
      __m256i r = _mm256_sub_epi64(_mm256_srl_epi64(s, shift), unbias);
      r = _mm256_blendv_epi8(r, lo, _mm256_cmpgt_epi64(lo, r));
      return _mm256_blendv_epi8(r, hi, _mm256_cmpgt_epi64(r, hi));
    };
    const __m256i even = lanes(av, bv), odd = lanes(_mm256_srli_epi64(av, 32), _mm256_srli_epi64(bv, 32));
    const __m256i merged = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_add_epi32(merged, yzp));
    for (int64_t t = 0; t < cnt; ++t) y[j + t] = static_cast<uint8_t>(out[t]) ^ flip;
  }
}

}  // namespace

void qadd_q8_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip) {
  qadd_run(a, b, y, n, p, flip);
}

}  // namespace wisp::x86
