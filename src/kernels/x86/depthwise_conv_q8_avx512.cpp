// Depthwise int8 conv, AVX-512 (F + BW): 32 output columns per step. Same scheme as the
// AVX2 file (taps in pairs through vpmaddwd, interleave inside 128-bit lanes, one permute
// per 16 outputs to restore the order), twice as wide. Requantization is simpler here:
// AVX-512 has the 64-bit arithmetic shift and 64-bit min/max, so requant.hpp's formula
// runs as written for every shift (vpmuldq on even and odd lanes, add the rounding term,
// shift, add the zero point, clamp, then vpmovdb narrows the in-range values).
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "kernels/x86/depthwise_conv_q8_pairs.hpp"
#include "kernels/x86/requant_avx512.hpp"

// GCC 12 flags the undefined vector inside the unmasked AVX-512 integer intrinsics
// (-Wmaybe-uninitialized, a known false positive once inlined), as gemm_f32_epilogue.hpp.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wisp::kernels_q8 {
namespace {

template <class T>
__m512i load32(const T* p) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  if constexpr (std::is_signed_v<T>) return _mm512_cvtepi8_epi16(v);
  else return _mm512_cvtepu8_epi16(v);
}

// 16 int32 accumulators -> 16 requantized int32 in [qmin, qmax].
inline __m512i requant16(__m512i acc, __m512i vm, __m512i vr, __m128i sh, __m512i zp, __m512i lo, __m512i hi) {
  __m512i ev = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc, vm), vr), sh);
  __m512i od = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), vm), vr), sh);
  ev = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(ev, zp), lo), hi);
  od = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(od, zp), lo), hi);
  return _mm512_mask_blend_epi32(0xAAAA, ev, _mm512_slli_epi64(od, 32));
}

struct Avx512Q8 {
  static constexpr int kLanes = 32;

  // The pair path (depthwise_conv_q8_pairs.hpp): 64 outputs per step, 4 accumulators.
  static constexpr int kPairLanes = 64;

  // Exactly n values, as the AVX2 version (overlapping last vector; masked below 32).
  template <class T>
  static void widen_row(const T* src, int64_t n, int16_t* dst) {
    if (n >= 32) {
      int64_t i = 0;
      for (; i + 32 <= n; i += 32) _mm512_storeu_si512(dst + i, load32(src + i));
      if (i < n) _mm512_storeu_si512(dst + n - 32, load32(src + n - 32));
    } else {
      const __mmask32 k = static_cast<__mmask32>((uint64_t{1} << n) - 1);
      const __m256i v = _mm256_maskz_loadu_epi8(k, src);
      const __m512i w = std::is_signed_v<T> ? _mm512_cvtepi8_epi16(v) : _mm512_cvtepu8_epi16(v);
      _mm512_mask_storeu_epi16(dst, k, w);
    }
  }

  // n output bytes (one row's real outputs): a masked store for rows up to 32, 64-byte
  // steps with a masked last one above (a memcpy call per 56- or 112-wide row and channel
  // cost more than the copy).
  template <class TY>
  static void copy_out(const TY* src, int64_t n, TY* dst) {
    if (n <= 32) {
      const __mmask32 k = static_cast<__mmask32>((uint64_t{1} << n) - 1);
      _mm256_mask_storeu_epi8(dst, k, _mm256_maskz_loadu_epi8(k, src));
      return;
    }
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, _mm512_loadu_si512(src + i));
    if (i < n) {
      const __mmask64 k = (uint64_t{1} << (n - i)) - 1;
      _mm512_mask_storeu_epi8(dst + i, k, _mm512_maskz_loadu_epi8(k, src + i));
    }
  }

  // Stride-1 pair words straight from the input row: word j = (P[j], P[j + 1]) for j <
  // `words`, P[i] = src[i - pad_left] for columns in [c0, c1), else the zero point. No
  // int16 staging row: widening into a stage and re-reading it 2 bytes off with narrower
  // loads defeated store-to-load forwarding (a stall per row; ~a third of the depthwise
  // time on 56x56 planes). Each 16 words come from two masked byte loads one column apart
  // whose masked-off bytes (the padding) read as the zero point -- no scalar edges, which
  // dominated 7x7 and 14x14 rows -- widened to int32 (low half P[j] as int16, high half
  // P[j + 1]). Masked-off bytes are not accessed (AVX-512 masked loads do not fault), so
  // the address may point before or past the row.
  template <class T>
  static void pair_row(const T* src, const PairRowPlan& plan, int16_t* /*stage*/, int32_t* dst) {
    const __m128i zpb = _mm_set1_epi8(static_cast<char>(plan.zp16 & 0xFF));
    const __m512i low16 = _mm512_set1_epi32(0xFFFF);
    const auto base = reinterpret_cast<uintptr_t>(src) - static_cast<uintptr_t>(plan.pad_left) * sizeof(T);
    for (int64_t i = 0; i < plan.chunks; ++i) {
      const auto* at = reinterpret_cast<const T*>(base + static_cast<uintptr_t>(16 * i) * sizeof(T));
      const __m128i a = _mm_mask_loadu_epi8(zpb, plan.k_lo[i], at), b = _mm_mask_loadu_epi8(zpb, plan.k_hi[i], at + 1);
      __m512i lo, hi;
      if constexpr (std::is_signed_v<T>) {
        lo = _mm512_and_si512(_mm512_cvtepi8_epi32(a), low16);
        hi = _mm512_slli_epi32(_mm512_cvtepi8_epi32(b), 16);
      } else {
        lo = _mm512_cvtepu8_epi32(a);
        hi = _mm512_slli_epi32(_mm512_cvtepu8_epi32(b), 16);
      }
      _mm512_mask_storeu_epi32(dst + 16 * i, plan.k_out[i], _mm512_or_si512(lo, hi));
    }
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
    for (int64_t j = 0; j < n; j += 64) {
      __m512i a0 = _mm512_set1_epi32(t.init), a1 = a0, a2 = a0, a3 = a0;
      for (int i = 0; i < t.n; ++i) {
        const int32_t* p = base + t.off[i] + j;
        const __m512i w = _mm512_set1_epi32(t.wpair[i]);
        a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_loadu_si512(p), w));
        a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_loadu_si512(p + 16), w));
        a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_loadu_si512(p + 32), w));
        a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_loadu_si512(p + 48), w));
      }
      _mm512_storeu_si512(acc + j, a0);
      _mm512_storeu_si512(acc + j + 16, a1);
      _mm512_storeu_si512(acc + j + 32, a2);
      _mm512_storeu_si512(acc + j + 48, a3);
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
    // a0 holds columns {0-3, 8-11, 16-19, 24-27}, a1 {4-7, 12-15, 20-23, 28-31}.
    const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    for (int64_t j = 0; j < n; j += 32) {
      __m512i a0 = _mm512_set1_epi32(t.init), a1 = a0;
      for (int i = 0; i < pairs; ++i) {
        const __m512i xa = load32(base + t.off[2 * i] + j), xb = load32(base + t.off[2 * i + 1] + j);
        const __m512i w = _mm512_set1_epi32(t.wpair[i]);
        a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi16(xa, xb), w));
        a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi16(xa, xb), w));
      }
      _mm512_storeu_si512(acc + j, _mm512_permutex2var_epi64(a0, first, a1));
      _mm512_storeu_si512(acc + j + 16, _mm512_permutex2var_epi64(a0, second, a1));
    }
  }

  template <class T>
  static void requantize_row(const int32_t* acc, int64_t n, quant::FixedPointMultiplier fm,
                             const ref::DepthwiseQ8Params& p, T* y) {
    if (x86::Requant16Shift32::applies(fm)) {  // every real layer: 32-bit merge and clamp
      const x86::Requant16Shift32 rq(fm, p.y_zero_point, p.qmin, p.qmax);
      // 64 at a time narrowed by two packs + one dword permute (in range: the saturating
      // packs are exact) and one store: four vpmovdb to memory cost more.
      const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
      int64_t j = 0;
      for (; j + 64 <= n; j += 64) {
        const __m512i w01 = _mm512_packs_epi32(rq(_mm512_loadu_si512(acc + j)), rq(_mm512_loadu_si512(acc + j + 16)));
        const __m512i w23 =
            _mm512_packs_epi32(rq(_mm512_loadu_si512(acc + j + 32)), rq(_mm512_loadu_si512(acc + j + 48)));
        const __m512i b = std::is_signed_v<T> ? _mm512_packs_epi16(w01, w23) : _mm512_packus_epi16(w01, w23);
        _mm512_storeu_si512(y + j, _mm512_permutexvar_epi32(order, b));
      }
      for (; j + 16 <= n; j += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + j), _mm512_cvtepi32_epi8(rq(_mm512_loadu_si512(acc + j))));
      requantize_tail<T>(acc, j, n, fm, p, y);
      return;
    }
    const __m512i vm = _mm512_set1_epi32(fm.multiplier);
    const __m512i vr = _mm512_set1_epi64(int64_t{1} << (fm.shift - 1));
    const __m128i sh = _mm_cvtsi32_si128(fm.shift);
    const __m512i zp = _mm512_set1_epi64(p.y_zero_point), lo = _mm512_set1_epi64(p.qmin),
                  hi = _mm512_set1_epi64(p.qmax);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
      const __m512i q = requant16(_mm512_loadu_si512(acc + j), vm, vr, sh, zp, lo, hi);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + j), _mm512_cvtepi32_epi8(q));  // in range: truncation is exact
    }
    requantize_tail<T>(acc, j, n, fm, p, y);
  }
};

struct Avx512Q8Run {
  template <class TX, class TY> static void run(const ref::DepthwiseQ8Args& a) {
    if (!depthwise_conv_q8_pairs<Avx512Q8, TX, TY>(a)) depthwise_conv_q8_simd<Avx512Q8, TX, TY>(a);
  }
};

void depthwise_conv_q8_avx512(const ref::DepthwiseQ8Args& a) {
  ref::depthwise_conv_q8_dispatch<Avx512Q8Run>(a);
}

const bool registered = (ref::register_depthwise_conv_q8(Isa::kAvx512, depthwise_conv_q8_avx512), true);

}  // namespace
}  // namespace wisp::kernels_q8

#pragma GCC diagnostic pop
