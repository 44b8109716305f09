// Vectorised fused epilogue for the x86 Conv/GEMM drivers: y = act(y + bias [+ residual])
// on one contiguous row, a full vector at a time (masked tail), with the activation of
// ref::Epilogue. Included only by the ISA files: __AVX512F__ picks 16-lane zmm code,
// otherwise 8-lane ymm (AVX2 + FMA).
//
// exp uses the Cephes scheme (round x / ln2 to n, a degree-5 polynomial on the remainder,
// scale by 2^n): about 2 ulp over the clamped range [-88, 88]. Sigmoid, SiLU and Tanh are
// built on it (tanh(x) = 1 - 2 / (exp(2x) + 1)), erf (GELU) uses Abramowitz-Stegun 7.1.26
// (abs error < 1.5e-7). They agree with the reference (std::exp/tanh/erf) to ~1e-6
// relative, not bit for bit.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "kernels/ref/epilogue.hpp"

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() as the unused merge source, which
// -Wmaybe-uninitialized reports once inlined here (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wisp::x86 {
namespace {

#ifdef __AVX512F__
struct Vf {
  using T = __m512;
  static constexpr int kLanes = 16;
  using Mask = __mmask16;
  static Mask mask(int64_t r) { return r >= 16 ? Mask(0xFFFF) : static_cast<Mask>((1u << r) - 1u); }
  static T load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, T v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static T set(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T abs(T a) { return _mm512_abs_ps(a); }
  static T round(T a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T blend_lt0(T x, T if_neg, T if_pos) {  // x < 0 ? if_neg : if_pos
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), if_pos, if_neg);
  }
  static T copysign(T mag, T sign) {
    const __m512i s = _mm512_and_si512(_mm512_castps_si512(sign), _mm512_set1_epi32(INT32_MIN));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), s));
  }
  static T pow2n(T n) {  // 2^n for integral n in [-127, 127]
    const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(e);
  }
};
#else
struct Vf {
  using T = __m256;
  static constexpr int kLanes = 8;
  using Mask = __m256i;
  static Mask mask(int64_t r) {
    static const int32_t kTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t c = r < 0 ? 0 : r > 8 ? 8 : r;
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable + 8 - c));
  }
  // vmaskmovps stores are slow on AMD (microcoded): callers use them for tails only.
  static T load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, T v, Mask m) { _mm256_maskstore_ps(p, m, v); }
  static T set(float v) { return _mm256_set1_ps(v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T abs(T a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T blend_lt0(T x, T if_neg, T if_pos) {
    return _mm256_blendv_ps(if_pos, if_neg, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
  static T copysign(T mag, T sign) {
    return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.0f)));
  }
  static T pow2n(T n) {
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_castsi256_ps(e);
  }
};
#endif

using V = Vf::T;

inline V vexp(V x) {
  x = Vf::min(Vf::max(x, Vf::set(-87.3f)), Vf::set(88.3f));
  const V n = Vf::round(Vf::mul(x, Vf::set(1.44269504088896341f)));
  V r = Vf::fma(n, Vf::set(-0.693359375f), x);  // ln2 split in two for an exact product
  r = Vf::fma(n, Vf::set(2.12194440e-4f), r);
  V p = Vf::set(1.9875691500e-4f);
  p = Vf::fma(p, r, Vf::set(1.3981999507e-3f));
  p = Vf::fma(p, r, Vf::set(8.3334519073e-3f));
  p = Vf::fma(p, r, Vf::set(4.1665795894e-2f));
  p = Vf::fma(p, r, Vf::set(1.6666665459e-1f));
  p = Vf::fma(p, r, Vf::set(5.0000001201e-1f));
  p = Vf::fma(p, Vf::mul(r, r), Vf::add(r, Vf::set(1.0f)));
  // 2^n split in two factors so that n = 128 (x near 88.3) does not overflow the exponent.
  const V half = Vf::mul(n, Vf::set(0.5f));
  const V n1 = Vf::round(Vf::sub(half, Vf::set(0.25f))), n2 = Vf::sub(n, n1);
  return Vf::mul(Vf::mul(p, Vf::pow2n(n1)), Vf::pow2n(n2));
}

inline V vsigmoid(V x) {
  const V one = Vf::set(1.0f);
  return Vf::div(one, Vf::add(one, vexp(Vf::sub(Vf::set(0.0f), x))));
}

inline V vtanh(V x) {
  const V one = Vf::set(1.0f);
  // 1 - 2 / (e^{2|x|} + 1) on |x|, sign restored: no cancellation for large negative x.
  const V t = Vf::sub(one, Vf::div(Vf::set(2.0f), Vf::add(vexp(Vf::mul(Vf::abs(x), Vf::set(2.0f))), one)));
  return Vf::copysign(t, x);
}

inline V verf(V x) {  // Abramowitz-Stegun 7.1.26 on |x|, sign restored
  const V a = Vf::abs(x), one = Vf::set(1.0f);
  const V t = Vf::div(one, Vf::fma(a, Vf::set(0.3275911f), one));
  V p = Vf::set(1.061405429f);
  p = Vf::fma(p, t, Vf::set(-1.453152027f));
  p = Vf::fma(p, t, Vf::set(1.421413741f));
  p = Vf::fma(p, t, Vf::set(-0.284496736f));
  p = Vf::fma(p, t, Vf::set(0.254829592f));
  p = Vf::mul(p, t);
  const V e = Vf::sub(one, Vf::mul(p, vexp(Vf::sub(Vf::set(0.0f), Vf::mul(a, a)))));
  return Vf::copysign(e, x);
}

inline V vact(V x, const ref::Epilogue& e) {
  using A = ref::EpilogueAct;
  switch (e.act) {
    case A::kNone: return x;
    case A::kRelu: return Vf::max(x, Vf::set(0.0f));
    case A::kClip: return Vf::min(Vf::max(x, Vf::set(e.alpha)), Vf::set(e.beta));
    case A::kLeakyRelu: return Vf::blend_lt0(x, Vf::mul(x, Vf::set(e.alpha)), x);
    case A::kSigmoid: return vsigmoid(x);
    case A::kHardSigmoid:
      return Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta))));
    case A::kHardSwish:
      return Vf::mul(x, Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta)))));
    case A::kTanh: return vtanh(x);
    case A::kSilu: return Vf::mul(x, vsigmoid(x));
    case A::kGelu:
      return Vf::mul(Vf::mul(Vf::set(0.5f), x), Vf::add(Vf::set(1.0f), verf(Vf::mul(x, Vf::set(0.70710678118654752f)))));
    case A::kGeluTanh: {
      const V inner = Vf::mul(Vf::set(0.79788456080286536f), Vf::fma(Vf::mul(Vf::set(0.044715f), x), Vf::mul(x, x), x));
      return Vf::mul(Vf::mul(Vf::set(0.5f), x), Vf::add(Vf::set(1.0f), vtanh(inner)));
    }
  }
  return x;
}

// y[j] = act(y[j] + bias + residual[j]) for j < n (residual may be null). Full vectors
// unmasked, the tail masked.
inline void conv_epilogue_row(float* y, int64_t n, float bias, const float* residual, const ref::Epilogue& e) {
  if (bias == 0.0f && !residual && e.act == ref::EpilogueAct::kNone) return;
  const V b = Vf::set(bias);
  int64_t j = 0;
  for (; j + Vf::kLanes <= n; j += Vf::kLanes) {
    V v = Vf::add(Vf::load(y + j), b);
    if (residual) v = Vf::add(v, Vf::load(residual + j));
    Vf::store(y + j, vact(v, e));
  }
  if (j < n) {
    const Vf::Mask m = Vf::mask(n - j);
    V v = Vf::add(Vf::load(y + j, m), b);
    if (residual) v = Vf::add(v, Vf::load(residual + j, m));
    Vf::store(y + j, vact(v, e), m);
  }
}

// y[j] = bias + residual[j] for j < n: the start of a sum that then accumulates onto y.
// y may be residual (each element is read before it is written).
inline void bias_residual_row(float* y, int64_t n, float bias, const float* residual) {
  const V b = Vf::set(bias);
  int64_t j = 0;
  for (; j + Vf::kLanes <= n; j += Vf::kLanes) Vf::store(y + j, Vf::add(Vf::load(residual + j), b));
  if (j < n) {
    const Vf::Mask m = Vf::mask(n - j);
    Vf::store(y + j, Vf::add(Vf::load(residual + j, m), b), m);
  }
}

// The activation alone on n contiguous elements (the GEMM's epilogue after its bias).
inline void act_row(float* y, int64_t n, const ref::Epilogue& e) {
  if (e.act == ref::EpilogueAct::kNone) return;
  int64_t j = 0;
  for (; j + Vf::kLanes <= n; j += Vf::kLanes) Vf::store(y + j, vact(Vf::load(y + j), e));
  if (j < n) {
    const Vf::Mask m = Vf::mask(n - j);
    Vf::store(y + j, vact(Vf::load(y + j, m), e), m);
  }
}

}  // namespace
}  // namespace wisp::x86

#pragma GCC diagnostic pop
