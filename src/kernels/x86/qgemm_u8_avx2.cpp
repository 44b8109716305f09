// AVX2 microkernel of the x86 int8 GEMM (layouts in qgemm_x86.hpp): 4 channels x 8
// positions. The 32 bytes of one k-group (8 positions x 4 k) are zero-extended to int16
// (two vectors of 4 positions) and multiplied with one channel's 4 weights (int16,
// broadcast) by vpmaddwd, which sums adjacent pairs into int32 exactly: u8 x s8 products
// never saturate, unlike vpmaddubsw. Each int32 lane holds a pair sum (k0+k1 or k2+k3) of
// one position until the end, where vphaddd joins the pairs.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/x86/qgemm_x86.hpp"

namespace wisp::x86 {
namespace {

constexpr int kMr = 4, kNr = 8;

void tile_avx2(int64_t kgroups, const void* w_block, const uint8_t* x, int64_t xs, int32_t* acc) {
  const int16_t* w = static_cast<const int16_t*>(w_block);
  __m256i a[kMr][2];
  for (auto& r : a) r[0] = r[1] = _mm256_setzero_si256();
  for (int64_t g = 0; g < kgroups; ++g) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + g * xs));
    const __m256i x0 = _mm256_cvtepu8_epi16(_mm256_castsi256_si128(xv));       // positions 0-3
    const __m256i x1 = _mm256_cvtepu8_epi16(_mm256_extracti128_si256(xv, 1));  // positions 4-7
    const int16_t* wg = w + g * kMr * 4;
    for (int r = 0; r < kMr; ++r) {
      int64_t w4;
      std::memcpy(&w4, wg + r * 4, sizeof w4);
      const __m256i wv = _mm256_set1_epi64x(w4);
      a[r][0] = _mm256_add_epi32(a[r][0], _mm256_madd_epi16(x0, wv));
      a[r][1] = _mm256_add_epi32(a[r][1], _mm256_madd_epi16(x1, wv));
    }
  }
  for (int r = 0; r < kMr; ++r) {
    // hadd: [p0 p1 p4 p5 | p2 p3 p6 p7]; the 64-bit permute puts positions in order.
    const __m256i h = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a[r][0], a[r][1]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + r * kNr), h);
  }
}

// quant::requantize on 8 lanes. AVX2 has no 64-bit arithmetic shift or min/max: the
// rounded product is offset by 2^63 (exact: |prod + round| < 2^63) so a logical shift
// floors it, the offset 2^(63 - shift) comes off after, and the clamp compares in 64 bits.
void requant_avx2(const int32_t* acc, int64_t n, int32_t add, quant::FixedPointMultiplier fm, int32_t zp,
                  int32_t qmin, int32_t qmax, uint8_t flip, uint8_t* y) {
  const __m256i vadd = _mm256_set1_epi32(add), vm = _mm256_set1_epi64x(fm.multiplier);
  const __m256i round = _mm256_set1_epi64x(static_cast<int64_t>((uint64_t{1} << 63) + (uint64_t{1} << (fm.shift - 1))));
  const __m256i unbias = _mm256_set1_epi64x(static_cast<int64_t>(uint64_t{1} << (63 - fm.shift)));
  const __m128i shift = _mm_cvtsi32_si128(fm.shift);
  const __m256i lo = _mm256_set1_epi64x(int64_t{qmin} - zp), hi = _mm256_set1_epi64x(int64_t{qmax} - zp);
  const __m256i vzp = _mm256_set1_epi32(zp);
  alignas(32) int32_t out[8];
  for (int64_t j = 0; j < n; j += 8) {
    const int64_t cnt = std::min<int64_t>(8, n - j);
    __m256i v;
    if (cnt == 8) {
      v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j));
    } else {
      alignas(32) int32_t tmp[8] = {};
      std::memcpy(tmp, acc + j, static_cast<size_t>(cnt) * 4);
      v = _mm256_load_si256(reinterpret_cast<const __m256i*>(tmp));
    }
    v = _mm256_add_epi32(v, vadd);
    const auto scale = [&](__m256i lanes) {  // the even int32 lanes of `lanes`, as int64
      const __m256i p = _mm256_add_epi64(_mm256_mul_epi32(lanes, vm), round);
      __m256i r = _mm256_sub_epi64(_mm256_srl_epi64(p, shift), unbias);
      r = _mm256_blendv_epi8(r, lo, _mm256_cmpgt_epi64(lo, r));
      return _mm256_blendv_epi8(r, hi, _mm256_cmpgt_epi64(r, hi));
    };
    const __m256i even = scale(v), odd = scale(_mm256_srli_epi64(v, 32));
    const __m256i merged = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_add_epi32(merged, vzp));
    for (int64_t t = 0; t < cnt; ++t) y[j + t] = static_cast<uint8_t>(out[t]) ^ flip;
  }
}

const QGemmMicrokernel kAvx2Kernel{Isa::kAvx2, "avx2 (vpmaddwd)", kMr, kNr, 2, tile_avx2, requant_avx2};

}  // namespace

const QGemmMicrokernel* qgemm_microkernel_avx2() { return &kAvx2Kernel; }

}  // namespace wisp::x86
