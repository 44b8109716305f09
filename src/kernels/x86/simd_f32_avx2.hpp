// 8-lane float vector operations for the AVX2 direct kernels (depthwise Conv, pools); the
// same interface as simd_f32_avx512.hpp (see there). Tail loads use vmaskmovps, which does
// not fault on the lanes it leaves out; tail stores go through a buffer.
// Include only from *_avx2.cpp files: everything here has internal linkage.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace wisp::x86 {
namespace {

struct Avx2F32 {
  using V = __m256;
  static constexpr int kW = 8;

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  // a < 0 ? x : a
  static V select_neg(V a, V x) { return _mm256_blendv_ps(a, x, _mm256_cmp_ps(a, zero(), _CMP_LT_OQ)); }
  static float hsum(V a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hmax(V a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }

  // Lanes [0, n) all ones, the rest zero (n in 0..8).
  static __m256i mask(int n) {
    alignas(32) static const int32_t kTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable + 8 - n));
  }
  // The even lanes of lo:hi, in order.
  static V evens(V lo, V hi) {
    const V s = _mm256_shuffle_ps(lo, hi, 0x88);  // lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), 0xD8));
  }

  template <int S>
  static V load(const float* p) {
    if constexpr (S == 1) {
      return _mm256_loadu_ps(p);
    } else {
      static_assert(S == 2);
      return evens(_mm256_loadu_ps(p), _mm256_maskload_ps(p + 8, mask(7)));
    }
  }
  template <int S>
  static V load_n(const float* p, int n) {
    if constexpr (S == 1) {
      return _mm256_maskload_ps(p, mask(n));
    } else {
      static_assert(S == 2);
      const int span = 2 * n - 1;  // elements p[0 .. 2n-2]
      const int lo = span < 8 ? span : 8;
      return evens(_mm256_maskload_ps(p, mask(lo)), _mm256_maskload_ps(p + 8, mask(span - lo)));
    }
  }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  // Through a buffer, not vmaskmovps: its store form is microcoded and slow on AMD Zen.
  static void store_n(float* p, V v, int n) {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    for (int i = 0; i < n; ++i) p[i] = t[i];
  }
};

}  // namespace
}  // namespace wisp::x86
