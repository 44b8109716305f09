// Vectorised fused epilogue for the x86 Conv/GEMM drivers: y = act(y + bias [+ residual])
// on one contiguous row, a full vector at a time (masked tail), with the activation of
// ref::Epilogue. Included only by the ISA files: __AVX512F__ picks 16-lane zmm code,
// otherwise 8-lane ymm (AVX2 + FMA). exp, sigmoid, tanh, erf and GELU come from
// vec_math_avx512.hpp / vec_math_avx2.hpp (a few ulp against std::, inf and nan right),
// so the SIMD epilogues agree with the reference to ~1e-6 relative, not bit for bit.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "kernels/ref/epilogue.hpp"
#ifdef __AVX512F__
#include "kernels/x86/vec_math_avx512.hpp"
#else
#include "kernels/x86/vec_math_avx2.hpp"
#endif

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
  static Mask mask(int64_t r) {  // the first r lanes (r clamped to 0..16)
    return r >= 16 ? Mask(0xFFFF) : r <= 0 ? Mask(0) : static_cast<Mask>((1u << r) - 1u);
  }
  static T load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, T v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static T set(float v) { return _mm512_set1_ps(v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T blend_lt0(T x, T if_neg, T if_pos) {  // x < 0 ? if_neg : if_pos
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), if_pos, if_neg);
  }
  // src[0], src[2], ..., src[2 (count - 1)] (count <= 16); lanes past count are 0 and no
  // float past src[2 (count - 1)] is read (masked loads).
  static T load_stride2(const float* src, int64_t count) {
    const int64_t span = 2 * count - 1;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(load(src, mask(span)), even, load(src + 16, mask(span - 16)));
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
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T blend_lt0(T x, T if_neg, T if_pos) {
    return _mm256_blendv_ps(if_pos, if_neg, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
  // src[0], src[2], ..., src[2 (count - 1)] (count <= 8); lanes past count are 0 and no
  // float past src[2 (count - 1)] is read (masked loads).
  static T load_stride2(const float* src, int64_t count) {
    const int64_t span = 2 * count - 1;
    const __m256 lo = load(src, mask(span)), hi = load(src + 8, mask(span - 8));
    const __m256 t = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));  // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
  }
};
#endif

using V = Vf::T;

#ifdef __AVX512F__
namespace vm = vm512;
#else
namespace vm = vm256;
#endif

inline V vact(V x, const ref::Epilogue& e) {
  using A = ref::EpilogueAct;
  switch (e.act) {
    case A::kNone: return x;
    case A::kRelu: return Vf::max(x, Vf::set(0.0f));
    case A::kClip: return Vf::min(Vf::max(x, Vf::set(e.alpha)), Vf::set(e.beta));
    case A::kLeakyRelu: return Vf::blend_lt0(x, Vf::mul(x, Vf::set(e.alpha)), x);
    case A::kSigmoid: return vm::sigmoid(x);
    case A::kHardSigmoid:
      return Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta))));
    case A::kHardSwish:
      return Vf::mul(x, Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta)))));
    case A::kTanh: return vm::tanh(x);
    case A::kSilu: return Vf::mul(x, vm::sigmoid(x));
    case A::kGelu: return vm::gelu(x);
    case A::kGeluTanh: {
      const V inner = Vf::mul(Vf::set(0.79788456080286536f), Vf::fma(Vf::mul(Vf::set(0.044715f), x), Vf::mul(x, x), x));
      return Vf::mul(Vf::mul(Vf::set(0.5f), x), Vf::add(Vf::set(1.0f), vm::tanh(inner)));
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
