// Depthwise int8 conv, AVX2: 16 output columns per step (depthwise_conv_q8_driver.hpp
// does the padding, strides and zero point).
//
// Taps go in pairs through vpmaddwd: the 16 bytes of tap a and of tap b are widened to
// int16 and interleaved, so each int32 lane gets x_a * w_a + x_b * w_b exactly (|x| <= 255,
// |w| <= 128: no saturation, unlike vpmaddubsw). The interleave works inside 128-bit lanes,
// so the two accumulators hold columns {0-3, 8-11} and {4-7, 12-15}; one permute per 16
// outputs puts them back in order.
//
// Requantization without a 64-bit arithmetic shift (AVX2 has none): vpmuldq gives the
// 64-bit products of the even and the odd lanes; after adding the rounding term,
// for shift n >= 32 the result is the high dword shifted right by n - 32 (arithmetic, on
// 32 bits); for n == 31 it is the low dword of the logical shift by 31 (bits 31..62: the
// product is below 2^62, so bit 63 repeats bit 62 and the value fits 32 bits). n <= 30
// (a scale ratio >= 1, which real models do not have) takes the scalar requantize().
#include <immintrin.h>

#include <type_traits>

#include "kernels/x86/depthwise_conv_q8_pairs.hpp"

namespace wisp::kernels_q8 {
namespace {

template <class T>
__m256i load16(const T* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (std::is_signed_v<T>) return _mm256_cvtepi8_epi16(v);
  else return _mm256_cvtepu8_epi16(v);
}

template <class T>
__m128i load8(const T* p) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  if constexpr (std::is_signed_v<T>) return _mm_cvtepi8_epi16(v);
  else return _mm_cvtepu8_epi16(v);
}

// 8 int32 accumulators -> 8 requantized int32 in [qmin, qmax].
template <bool kHigh>
__m256i requant8(__m256i acc, __m256i vm, __m256i vr, __m128i sh, __m256i zp, __m256i lo, __m256i hi) {
  __m256i ev = _mm256_add_epi64(_mm256_mul_epi32(acc, vm), vr);
  __m256i od = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), vm), vr);
  __m256i r;
  if constexpr (kHigh) {  // n >= 32: high dwords, then an arithmetic shift by n - 32
    r = _mm256_blend_epi32(_mm256_srli_epi64(ev, 32), od, 0xAA);
    r = _mm256_sra_epi32(r, sh);
  } else {  // n == 31: low dwords of the logical shift
    ev = _mm256_srl_epi64(ev, sh);
    od = _mm256_srl_epi64(od, sh);
    r = _mm256_blend_epi32(ev, _mm256_slli_epi64(od, 32), 0xAA);
  }
  return _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(r, zp), lo), hi);
}

struct Avx2Q8 {
  static constexpr int kLanes = 16;

  // The pair path (depthwise_conv_q8_pairs.hpp): 32 outputs per step, 4 accumulators.
  static constexpr int kPairLanes = 32;

  // Exactly n values (the neighbours are padding). Rows of 8..15 (14x14 layers) and the
  // tail of longer ones take one more vector overlapping the previous: the same values are
  // written twice, nothing outside [0, n) is read or written.
  template <class T>
  static void widen_row(const T* src, int64_t n, int16_t* dst) {
    if (n >= 16) {
      int64_t i = 0;
      for (; i + 16 <= n; i += 16) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), load16(src + i));
      if (i < n) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + n - 16), load16(src + n - 16));
    } else if (n >= 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), load8(src));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 8), load8(src + n - 8));
    } else {
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
    }
  }

  // n output bytes (one row's real outputs): two overlapping 8-byte moves for rows of
  // 8..16 instead of a memcpy call per 7- or 14-wide row.
  template <class TY>
  static void copy_out(const TY* src, int64_t n, TY* dst) {
    if (n >= 8 && n <= 16) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + n - 8),
                       _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + n - 8)));
    } else {
      std::memcpy(dst, src, static_cast<size_t>(n));
    }
  }

  // Stride-1 pair words of one input row (see depthwise_conv_q8_pairs.hpp): the row
  // widened into the zero-point stage, then neighbours paired.
  template <class T>
  static void pair_row(const T* src, const PairRowPlan& plan, int16_t* stage, int32_t* dst) {
    widen_row<T>(src + plan.c0, plan.c1 - plan.c0, stage + plan.pad_left + plan.c0);
    pair_words(stage, (plan.words + 7) / 8 * 8, dst);
  }

  // Words j = (s[j], s[j + 1]) for j < n (a multiple of 8).
  static void pair_words(const int16_t* s, int64_t n, int32_t* dst) {
    for (int64_t j = 0; j < n; j += 8) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j + 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j), _mm_unpacklo_epi16(a, b));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j + 4), _mm_unpackhi_epi16(a, b));
    }
  }

  static void accumulate_pairs(const int32_t* base, const PairTaps& t, int64_t n, int32_t* acc) {
    for (int64_t j = 0; j < n; j += 32) {
      __m256i a0 = _mm256_set1_epi32(t.init), a1 = a0, a2 = a0, a3 = a0;
      for (int i = 0; i < t.n; ++i) {
        const __m256i* p = reinterpret_cast<const __m256i*>(base + t.off[i] + j);
        const __m256i w = _mm256_set1_epi32(t.wpair[i]);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_loadu_si256(p), w));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_loadu_si256(p + 1), w));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_loadu_si256(p + 2), w));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_loadu_si256(p + 3), w));
      }
      __m256i* o = reinterpret_cast<__m256i*>(acc + j);
      _mm256_storeu_si256(o, a0);
      _mm256_storeu_si256(o + 1, a1);
      _mm256_storeu_si256(o + 2, a2);
      _mm256_storeu_si256(o + 3, a3);
    }
  }

  // Stride-2 rows into their two phases: 32 bytes -> 16 even + 16 odd per step.
  template <class T>
  static void deinterleave2(const T* src, int64_t n, T* a, T* b) {
    const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,  //
                                           0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const __m256i v = _mm256_shuffle_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)), split);
      const __m256i q = _mm256_permute4x64_epi64(v, 0xD8);  // [evens 0-15 | odds 0-15]
      _mm_storeu_si128(reinterpret_cast<__m128i*>(a + i / 2), _mm256_castsi256_si128(q));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(b + i / 2), _mm256_extracti128_si256(q, 1));
    }
    deinterleave2_tail(src, i, n, a, b);
  }

  template <class T>
  static void accumulate_row(const T* base, const DwTaps& t, int64_t n, int32_t* acc) {
    const int pairs = t.n / 2;
    for (int64_t j = 0; j < n; j += 16) {
      __m256i a0 = _mm256_set1_epi32(t.init), a1 = a0;
      for (int i = 0; i < pairs; ++i) {
        const __m256i xa = load16(base + t.off[2 * i] + j), xb = load16(base + t.off[2 * i + 1] + j);
        const __m256i w = _mm256_set1_epi32(t.wpair[i]);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), w));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), w));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j), _mm256_permute2x128_si256(a0, a1, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j + 8), _mm256_permute2x128_si256(a0, a1, 0x31));
    }
  }

  template <class T>
  static void requantize_row(const int32_t* acc, int64_t n, quant::FixedPointMultiplier fm,
                             const ref::DepthwiseQ8Params& p, T* y) {
    if (fm.shift < 31) return requantize_tail<T>(acc, 0, n, fm, p, y);
    const bool high = fm.shift >= 32;
    const __m256i vm = _mm256_set1_epi32(fm.multiplier);
    const __m256i vr = _mm256_set1_epi64x(int64_t{1} << (fm.shift - 1));
    const __m128i sh = _mm_cvtsi32_si128(high ? fm.shift - 32 : fm.shift);
    const __m256i zp = _mm256_set1_epi32(p.y_zero_point), lo = _mm256_set1_epi32(p.qmin),
                  hi = _mm256_set1_epi32(p.qmax);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j + 8));
      const __m256i qa = high ? requant8<true>(a, vm, vr, sh, zp, lo, hi) : requant8<false>(a, vm, vr, sh, zp, lo, hi);
      const __m256i qb = high ? requant8<true>(b, vm, vr, sh, zp, lo, hi) : requant8<false>(b, vm, vr, sh, zp, lo, hi);
      // Values are already in the type's range, so the saturating packs only narrow.
      const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(qa, qb), 0xD8);
      const __m128i l = _mm256_castsi256_si128(w16), h = _mm256_extracti128_si256(w16, 1);
      const __m128i bytes = std::is_signed_v<T> ? _mm_packs_epi16(l, h) : _mm_packus_epi16(l, h);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + j), bytes);
    }
    requantize_tail<T>(acc, j, n, fm, p, y);
  }
};

struct Avx2Q8Run {
  template <class TX, class TY> static void run(const ref::DepthwiseQ8Args& a) {
    if (!depthwise_conv_q8_pairs<Avx2Q8, TX, TY>(a)) depthwise_conv_q8_simd<Avx2Q8, TX, TY>(a);
  }
};

void depthwise_conv_q8_avx2(const ref::DepthwiseQ8Args& a) {
  ref::depthwise_conv_q8_dispatch<Avx2Q8Run>(a);
}

const bool registered = (ref::register_depthwise_conv_q8(Isa::kAvx2, depthwise_conv_q8_avx2), true);

}  // namespace
}  // namespace wisp::kernels_q8
