// Vectorised exp, sigmoid, tanh, erf and GELU for 8 float32 lanes (AVX2 + FMA): the same
// algorithms and coefficients as vec_math_avx512.hpp (explained there), with one
// difference: AVX2 has no scalef, so p 2^n is p 2^(n/2) 2^(n - n/2), two exactly
// representable powers built in the exponent field, which keeps n down to -150 (denormal
// results) and up to 128 (inf) in range. Include only from *_avx2.cpp files.
#pragma once
#include <immintrin.h>

namespace wisp::x86::vm256 {
namespace {

inline __m256 poly(__m256 x, const float* c, int n) {  // c[0] x^(n-1) + ... + c[n-1]
  __m256 p = _mm256_set1_ps(c[0]);
  for (int i = 1; i < n; ++i) p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(c[i]));
  return p;
}

inline __m256 pow2i(__m256i k) {  // 2^k for k in [-126, 127]
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

inline __m256 exp(__m256 x) {
  static constexpr float kP[] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
  x = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_min_ps(_mm256_set1_ps(89.0f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  const __m256 p = poly(r, kP, 6);
  const __m256 y = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i ni = _mm256_cvtps_epi32(n);  // nan: garbage, but y is nan already
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  return _mm256_mul_ps(_mm256_mul_ps(y, pow2i(n1)), pow2i(_mm256_sub_epi32(ni, n1)));
}

inline __m256 sigmoid(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

inline __m256 abs(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
inline __m256 copysign(__m256 mag, __m256 sign) {  // |mag| with the sign bit of `sign`
  return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.0f)));
}

inline __m256 tanh(__m256 x) {
  static constexpr float kP[] = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f, 1.33314422036e-1f,
                                 -3.33332819422e-1f};
  const __m256 z = _mm256_mul_ps(x, x);
  const __m256 small = copysign(abs(_mm256_fmadd_ps(_mm256_mul_ps(poly(z, kP, 5), z), x, x)), x);  // -0 stays -0
  const __m256 ax = abs(x), one = _mm256_set1_ps(1.0f);
  const __m256 e = exp(_mm256_add_ps(ax, ax));
  const __m256 big = copysign(_mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one))), x);
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

// erfc(a) for a >= 1, as in vec_math_avx512.hpp.
inline __m256 erfc_tail(__m256 a, __m256 a2_hi, __m256 a2_lo) {  // a^2 = a2_hi + a2_lo
  static constexpr float kP[] = {2.326819970068386e-2f, -1.387039388740657e-1f, 3.687424674597105e-1f,
                                 -5.824733027278666e-1f, 6.210004621745983e-1f, -4.944515323274145e-1f,
                                 3.404879937665872e-1f, -2.741127028184656e-1f, 5.638259427386472e-1f};
  static constexpr float kR[] = {-1.047766399936249e+1f, 1.297719955372516e+1f, -7.495518717768503e+0f,
                                 2.921019019210786e+0f, -1.015265279202700e+0f, 4.218463358204948e-1f,
                                 -2.820767439740514e-1f, 5.641895067754075e-1f};
  a = _mm256_min_ps(a, _mm256_set1_ps(10.0f));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 q = _mm256_div_ps(one, a), y = _mm256_mul_ps(q, q);
  const __m256 near = _mm256_cmp_ps(a, _mm256_set1_ps(2.0f), _CMP_LT_OQ);
  const __m256 pq = _mm256_blendv_ps(poly(y, kR, 8), poly(y, kP, 9), near);
  const __m256 e = _mm256_mul_ps(exp(_mm256_sub_ps(_mm256_setzero_ps(), a2_hi)), _mm256_sub_ps(one, a2_lo));
  return _mm256_mul_ps(_mm256_mul_ps(e, q), pq);
}

inline __m256 erfc_tail(__m256 a) {
  a = _mm256_min_ps(a, _mm256_set1_ps(10.0f));
  const __m256 hi = _mm256_mul_ps(a, a);
  return erfc_tail(a, hi, _mm256_fmsub_ps(a, a, hi));
}

inline __m256 erf(__m256 x) {
  static constexpr float kT[] = {7.853861353153693e-5f, -8.010193625184903e-4f, 5.188327685732524e-3f,
                                 -2.685381193529856e-2f, 1.128358514861418e-1f, -3.761262582423300e-1f,
                                 1.128379165726710e+0f};
  const __m256 small = _mm256_mul_ps(x, poly(_mm256_mul_ps(x, x), kT, 7));
  const __m256 ax = abs(x);
  const __m256 big = copysign(_mm256_sub_ps(_mm256_set1_ps(1.0f), erfc_tail(ax)), x);
  return _mm256_blendv_ps(small, big, _mm256_cmp_ps(ax, _mm256_set1_ps(1.0f), _CMP_GE_OQ));  // nan: small
}

inline __m256 gelu(__m256 x) {
  const __m256 h = _mm256_mul_ps(x, _mm256_set1_ps(0.5f));
  const __m256 t = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 plain = _mm256_fmadd_ps(h, erf(t), h);
  // t^2 = x^2 / 2 split exactly (from x, not the rounded t): erfc's relative error grows
  // with 2 t^2 times that of its argument's square.
  const __m256 xc = _mm256_max_ps(_mm256_set1_ps(-16.0f), x);  // the tail is 0 in float by then; no inf^2
  const __m256 x2 = _mm256_mul_ps(xc, xc), x2_lo = _mm256_fmsub_ps(xc, xc, x2), half = _mm256_set1_ps(0.5f);
  const __m256 tail = _mm256_mul_ps(h, erfc_tail(abs(t), _mm256_mul_ps(x2, half), _mm256_mul_ps(x2_lo, half)));
  return _mm256_blendv_ps(plain, tail, _mm256_cmp_ps(t, _mm256_set1_ps(-1.0f), _CMP_LE_OQ));
}

// The 8-lane vector as the templated drivers (rnn_f32_driver.hpp, ...) use it.
struct Vec {
  using R = __m256;
  static constexpr int kW = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int n) {  // lanes [0, n) set
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  // Lanes [0, n) from memory, the rest `fill` (only those lanes are touched).
  static R load_n(const float* p, int n, float fill = 0.0f) {
    if (n == kW) return load(p);
    const __m256i m = mask(n);
    return _mm256_blendv_ps(set1(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void store_n(float* p, R v, int n) {
    if (n == kW) store(p, v);
    else _mm256_maskstore_ps(p, mask(n), v);
  }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R min(R a, R b) { return _mm256_min_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R sqrt(R a) { return _mm256_sqrt_ps(a); }
  static R bit_xor(R a, R b) { return _mm256_xor_ps(a, b); }
  static R bit_andnot(R a, R b) { return _mm256_andnot_ps(a, b); }  // ~a & b
  // The reference Max / Min: (x >= y or x is nan) ? x : y, so nan propagates from either side.
  static R max_nan(R x, R y) {
    return _mm256_blendv_ps(y, x, _mm256_or_ps(_mm256_cmp_ps(x, y, _CMP_GE_OQ), _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
  }
  static R min_nan(R x, R y) {
    return _mm256_blendv_ps(y, x, _mm256_or_ps(_mm256_cmp_ps(x, y, _CMP_LE_OQ), _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
  }
  static R select_lt(R a, R b, R if_less, R otherwise) {  // a < b (ordered) ? if_less : otherwise
    return _mm256_blendv_ps(otherwise, if_less, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
  }
  static float reduce_add(R a) {  // fixed pairwise order
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
  }
  static float reduce_max(R a) {
    const __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 t = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(t, _mm_movehdup_ps(t)));
  }
  static R exp(R v) { return vm256::exp(v); }
  static R sigmoid(R v) { return vm256::sigmoid(v); }
  static R tanh(R v) { return vm256::tanh(v); }
  static R erf(R v) { return vm256::erf(v); }
  static R gelu(R v) { return vm256::gelu(v); }
};

}  // namespace
}  // namespace wisp::x86::vm256
