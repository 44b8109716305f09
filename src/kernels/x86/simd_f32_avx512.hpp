// 16-lane float vector operations for the AVX-512 direct kernels (depthwise Conv, pools),
// the interface their drivers are templated on (see depthwise_conv_f32_driver.hpp):
//
//   load<S>(p)        lanes p[0], p[S], ..., p[S*15]            (S = 1 or 2)
//   load_n<S>(p, n)   the first n lanes of that, the rest 0; reads nothing past p[S*(n-1)]
//   store(p, v) / store_n(p, v, n)
//
// Strided loads never touch memory past the last lane they return (masked loads do not
// fault), so a kernel may read right up to the end of its input buffer.
// Include only from *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace wisp::x86 {
namespace {

struct Avx512F32 {
  using V = __m512;
  static constexpr int kW = 16;

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  // The maskz forms: GCC 12 warns (maybe-uninitialized, an error under -Werror) about the
  // _mm512_undefined_ps() inside the plain _mm512_max_ps/_mm512_min_ps once inlined.
  static V max(V a, V b) { return _mm512_maskz_max_ps(0xFFFF, a, b); }
  static V min(V a, V b) { return _mm512_maskz_min_ps(0xFFFF, a, b); }
  // a < 0 ? x : a
  static V select_neg(V a, V x) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, zero(), _CMP_LT_OQ), a, x); }
  // Through memory: _mm512_reduce_*_ps and even _mm512_castps512_ps256 trip the same GCC 12
  // warning. Called once per reduced plane, so the store costs nothing that matters.
  static float hsum(V a) {
    alignas(64) float t[16];
    _mm512_store_ps(t, a);
    __m256 h = _mm256_add_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static float hmax(V a) {
    alignas(64) float t[16];
    _mm512_store_ps(t, a);
    __m256 h = _mm256_max_ps(_mm256_load_ps(t), _mm256_load_ps(t + 8));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
  }

  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static V evens(V lo, V hi) {
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(lo, idx, hi);
  }

  template <int S>
  static V load(const float* p) {
    if constexpr (S == 1) {
      return _mm512_loadu_ps(p);
    } else {
      static_assert(S == 2);
      return evens(_mm512_loadu_ps(p), _mm512_maskz_loadu_ps(mask(15), p + 16));
    }
  }
  template <int S>
  static V load_n(const float* p, int n) {
    if constexpr (S == 1) {
      return _mm512_maskz_loadu_ps(mask(n), p);
    } else {
      static_assert(S == 2);
      const int span = 2 * n - 1;  // elements p[0 .. 2n-2]
      const int lo = span < 16 ? span : 16;
      return evens(_mm512_maskz_loadu_ps(mask(lo), p), _mm512_maskz_loadu_ps(mask(span - lo), p + 16));
    }
  }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store_n(float* p, V v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
};

}  // namespace
}  // namespace wisp::x86
