// quant::requantize (src/quant/requant.hpp) on 16 int32 lanes, AVX-512, for shifts >= 32
// (every real layer: the ratio x_scale * w_scale / y_scale is below 1/2 there), shared by
// the int8 GEMM and the depthwise int8 kernels.
//
// The exact formula needs the 64-bit product acc * m: vpmuldq multiplies the even int32
// lanes (the odd ones after a 32-bit right shift). With shift n >= 32 and |acc * m| < 2^62
// the result |(acc * m + 2^(n-1)) >> n| < 2^30 fits a 32-bit lane, so
//   - even lanes: the low dword of (p >> n);
//   - odd lanes:  the HIGH dword of (p >> (n - 32)), i.e. already in the odd lane's place,
// one vpblendmd merges them, and the zero point and clamp run in 32 bits
// (clamp(q + zp, qmin, qmax) = clamp(q, qmin - zp, qmax - zp) + zp, no overflow for
// |q| < 2^30). Against the general 64-bit form: no 64-bit min/max (four of them), no
// shift back into place. Bit-exact with quant::requantize; shifts below 32 keep the
// general form in the callers.
//
// Include only from files built with AVX-512 F/BW (kernels/x86/*_avx512.cpp).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "quant/requant.hpp"

namespace wisp::x86 {

struct Requant16Shift32 {
  __m512i m, round, lo, hi, zp;
  __m128i shift, shift_minus_32;

  // zp, qmin, qmax in the output's (unsigned-domain when flipped) integers.
  Requant16Shift32(quant::FixedPointMultiplier fm, int32_t zero_point, int32_t qmin, int32_t qmax)
      : m(_mm512_set1_epi64(fm.multiplier)),
        round(_mm512_set1_epi64(int64_t{1} << (fm.shift - 1))),
        lo(_mm512_set1_epi32(qmin - zero_point)),
        hi(_mm512_set1_epi32(qmax - zero_point)),
        zp(_mm512_set1_epi32(zero_point)),
        shift(_mm_cvtsi32_si128(fm.shift)),
        shift_minus_32(_mm_cvtsi32_si128(fm.shift - 32)) {}

  // The clamp and zero point given as vectors (qmin - zp, qmax - zp, zp): per-row
  // constructions in a tile loop share them.
  Requant16Shift32(quant::FixedPointMultiplier fm, __m512i lo_minus_zp, __m512i hi_minus_zp, __m512i zero_point)
      : m(_mm512_set1_epi64(fm.multiplier)),
        round(_mm512_set1_epi64(int64_t{1} << (fm.shift - 1))),
        lo(lo_minus_zp),
        hi(hi_minus_zp),
        zp(zero_point),
        shift(_mm_cvtsi32_si128(fm.shift)),
        shift_minus_32(_mm_cvtsi32_si128(fm.shift - 32)) {}

  static bool applies(quant::FixedPointMultiplier fm) { return fm.shift >= 32; }

  // 16 accumulators -> 16 results in [qmin, qmax] as int32.
  __m512i operator()(__m512i acc) const {
    const __m512i even = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc, m), round), shift);
    const __m512i odd =
        _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), m), round), shift_minus_32);
    const __m512i q = _mm512_mask_blend_epi32(0xAAAA, even, odd);
    return _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), zp);
  }
};

}  // namespace wisp::x86
