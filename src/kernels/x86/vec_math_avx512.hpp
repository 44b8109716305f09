// Vectorised exp, sigmoid, tanh, erf and GELU for 16 float32 lanes (AVX-512F), with a
// maximum relative error of a few ulp (about 1e-6) against std:: over the whole range,
// +-inf and nan included. Include only from *_avx512.cpp files (compiled with AVX-512 flags);
// everything has internal linkage so the AVX2 twin (vec_math_avx2.hpp) cannot be mixed up.
//
// exp: x = n ln2 + r with n = round(x / ln2), |r| <= ln2 / 2 (ln2 split in two so n ln2 is
// exact), e^r by the Cephes degree-6 polynomial, then scalef(p, n) = p 2^n, which rounds
// once and gives inf on overflow and correctly rounded denormals on underflow. x is clamped
// to [-104, 89] first (beyond, the result is 0 or inf anyway); min/max take x as the
// second operand so a nan passes through.
// sigmoid: 1 / (1 + e^-x), exact division (inf and 0 at the ends come out right).
// tanh: |x| < 0.625: Cephes odd polynomial (no cancellation near 0); else
// sign(x) (1 - 2 / (e^{2|x|} + 1)).
// erf: |x| < 1: x P(x^2) (Cephes erff); else 1 - erfc(|x|) with erfc = e^{-x^2} / x Q(1/x^2)
// (Cephes erfcf, two ranges split at 2), sign restored; |x| >= 10 gives +-1.
// gelu: the exact GELU (ONNX Gelu's default), see gelu() for its negative tail.
#pragma once
#include <immintrin.h>

namespace wisp::x86::vm512 {
namespace {

// GCC 12's unmasked _mm512_min/max/roundscale/scalef/sqrt_ps (and andnot) pass an undefined
// vector that -Wmaybe-uninitialized flags; the all-lanes maskz forms are the same instructions.
constexpr __mmask16 kAll = 0xFFFF;
inline __m512 min(__m512 a, __m512 b) { return _mm512_maskz_min_ps(kAll, a, b); }
inline __m512 max(__m512 a, __m512 b) { return _mm512_maskz_max_ps(kAll, a, b); }

inline __m512 poly(__m512 x, const float* c, int n) {  // c[0] x^(n-1) + ... + c[n-1]
  __m512 p = _mm512_set1_ps(c[0]);
  for (int i = 1; i < n; ++i) p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(c[i]));
  return p;
}

inline __m512 exp(__m512 x) {
  static constexpr float kP[] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
  x = max(_mm512_set1_ps(-104.0f), min(_mm512_set1_ps(89.0f), x));
  const __m512 n = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  const __m512 p = poly(r, kP, 6);
  const __m512 y = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_scalef_ps(kAll, y, n);
}

inline __m512 sigmoid(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

inline __m512 abs(__m512 x) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7FFFFFFF)));
}
inline __m512 copysign(__m512 mag, __m512 sign) {  // |mag| with the sign bit of `sign`
  const __m512i s = _mm512_and_si512(_mm512_castps_si512(sign), _mm512_set1_epi32(int(0x80000000u)));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), s));
}

inline __m512 tanh(__m512 x) {
  static constexpr float kP[] = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f,
                                 -3.33332819422e-1f};
  const __m512 z = _mm512_mul_ps(x, x);
  const __m512 small = copysign(abs(_mm512_fmadd_ps(_mm512_mul_ps(poly(z, kP, 5), z), x, x)), x);  // -0 stays -0
  const __m512 ax = abs(x), one = _mm512_set1_ps(1.0f);
  const __m512 e = exp(_mm512_add_ps(ax, ax));
  const __m512 big = copysign(_mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one))), x);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_LT_OQ), big, small);
}

// erfc(a) for a >= 1 (a is clamped to 10, where erfc is 0 in float): e^{-a^2} / a Q(1/a^2).
// a^2 is split exactly (hi + lo, by an FMA) and e^{-lo} ~ 1 - lo, so the tiny results GELU's
// negative tail needs keep their relative accuracy.
inline __m512 erfc_tail(__m512 a, __m512 a2_hi, __m512 a2_lo) {  // a^2 = a2_hi + a2_lo
  static constexpr float kP[] = {2.326819970068386e-2f, -1.387039388740657e-1f, 3.687424674597105e-1f,
                                 -5.824733027278666e-1f, 6.210004621745983e-1f, -4.944515323274145e-1f,
                                 3.404879937665872e-1f, -2.741127028184656e-1f, 5.638259427386472e-1f};
  static constexpr float kR[] = {-1.047766399936249e+1f, 1.297719955372516e+1f, -7.495518717768503e+0f,
                                 2.921019019210786e+0f, -1.015265279202700e+0f, 4.218463358204948e-1f,
                                 -2.820767439740514e-1f, 5.641895067754075e-1f};
  a = min(a, _mm512_set1_ps(10.0f));
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 q = _mm512_div_ps(one, a), y = _mm512_mul_ps(q, q);
  const __mmask16 near = _mm512_cmp_ps_mask(a, _mm512_set1_ps(2.0f), _CMP_LT_OQ);
  const __m512 pq = _mm512_mask_blend_ps(near, poly(y, kR, 8), poly(y, kP, 9));
  const __m512 e = _mm512_mul_ps(exp(_mm512_sub_ps(_mm512_setzero_ps(), a2_hi)), _mm512_sub_ps(one, a2_lo));
  return _mm512_mul_ps(_mm512_mul_ps(e, q), pq);
}

inline __m512 erfc_tail(__m512 a) {
  a = min(a, _mm512_set1_ps(10.0f));
  const __m512 hi = _mm512_mul_ps(a, a);
  return erfc_tail(a, hi, _mm512_fmsub_ps(a, a, hi));
}

inline __m512 erf(__m512 x) {
  static constexpr float kT[] = {7.853861353153693e-5f, -8.010193625184903e-4f, 5.188327685732524e-3f,
                                 -2.685381193529856e-2f, 1.128358514861418e-1f, -3.761262582423300e-1f,
                                 1.128379165726710e+0f};
  const __m512 small = _mm512_mul_ps(x, poly(_mm512_mul_ps(x, x), kT, 7));
  const __m512 ax = abs(x);
  const __m512 big = copysign(_mm512_sub_ps(_mm512_set1_ps(1.0f), erfc_tail(ax)), x);
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(ax, _mm512_set1_ps(1.0f), _CMP_GE_OQ), small, big);  // nan: small
}

// x/2 (1 + erf(x / sqrt 2)); where that is a difference of nearly equal numbers (x / sqrt 2
// <= -1) it is x/2 erfc(-x / sqrt 2) instead.
inline __m512 gelu(__m512 x) {
  const __m512 h = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
  const __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
  const __m512 plain = _mm512_fmadd_ps(h, erf(t), h);
  // t^2 = x^2 / 2 split exactly (from x, not the rounded t): erfc's relative error grows
  // with 2 t^2 times that of its argument's square.
  const __m512 xc = max(_mm512_set1_ps(-16.0f), x);  // the tail is 0 in float by then; no inf^2
  const __m512 x2 = _mm512_mul_ps(xc, xc), x2_lo = _mm512_fmsub_ps(xc, xc, x2), half = _mm512_set1_ps(0.5f);
  const __m512 tail = _mm512_mul_ps(h, erfc_tail(abs(t), _mm512_mul_ps(x2, half), _mm512_mul_ps(x2_lo, half)));
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, _mm512_set1_ps(-1.0f), _CMP_LE_OQ), plain, tail);
}

// The 16-lane vector as the templated drivers (rnn_f32_driver.hpp, ...) use it.
struct Vec {
  using R = __m512;
  static constexpr int kW = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  // Lanes [0, n) from memory, the rest `fill` (only those lanes are touched).
  static R load_n(const float* p, int n, float fill = 0.0f) {
    return n == kW ? load(p) : _mm512_mask_loadu_ps(set1(fill), mask(n), p);
  }
  static void store_n(float* p, R v, int n) {
    if (n == kW) store(p, v);
    else _mm512_mask_storeu_ps(p, mask(n), v);
  }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R min(R a, R b) { return vm512::min(a, b); }
  static R max(R a, R b) { return vm512::max(a, b); }
  static R sqrt(R a) { return _mm512_maskz_sqrt_ps(kAll, a); }
  static R bit_xor(R a, R b) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
  }
  static R bit_andnot(R a, R b) {  // ~a & b
    return _mm512_castsi512_ps(_mm512_maskz_andnot_epi32(kAll, _mm512_castps_si512(a), _mm512_castps_si512(b)));
  }
  // The reference Max / Min: (x >= y or x is nan) ? x : y, so nan propagates from either side.
  static R max_nan(R x, R y) {
    const __mmask16 m = _mm512_cmp_ps_mask(x, y, _CMP_GE_OQ) | _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(m, y, x);
  }
  static R min_nan(R x, R y) {
    const __mmask16 m = _mm512_cmp_ps_mask(x, y, _CMP_LE_OQ) | _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(m, y, x);
  }
  static R select_lt(R a, R b, R if_less, R otherwise) {  // a < b (ordered) ? if_less : otherwise
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), otherwise, if_less);
  }
  // Horizontal sum / max in a fixed pairwise order (GCC 12's _mm512_reduce_* trip
  // -Wmaybe-uninitialized, see kAll).
  static float reduce_add(R a) {
    const __m512 s = _mm512_add_ps(a, _mm512_maskz_shuffle_f32x4(kAll, a, a, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256 h = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xFF, _mm512_castps_pd(s), 0));
    const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    const __m128 t = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
  }
  static float reduce_max(R a) {
    const __m512 s = max(a, _mm512_maskz_shuffle_f32x4(kAll, a, a, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256 h = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xFF, _mm512_castps_pd(s), 0));
    const __m128 q = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    const __m128 t = _mm_max_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_max_ss(t, _mm_movehdup_ps(t)));
  }
  static R exp(R v) { return vm512::exp(v); }
  static R sigmoid(R v) { return vm512::sigmoid(v); }
  static R tanh(R v) { return vm512::tanh(v); }
  static R erf(R v) { return vm512::erf(v); }
  static R gelu(R v) { return vm512::gelu(v); }
};

}  // namespace
}  // namespace wisp::x86::vm512
