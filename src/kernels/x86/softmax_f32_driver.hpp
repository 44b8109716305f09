// float32 Softmax along one axis, templated on one ISA's vector type (vec_math_*.hpp Vec);
// included by softmax_f32_avx2.cpp / softmax_f32_avx512.cpp only (internal linkage).
//
// The input is [outer, n, inner]. Last axis (inner == 1): per row, a vector max, then
// e = exp(x - max) stored while summing, then one multiply by 1 / sum. Other axes: the same
// three passes with vectors running along `inner` (kW independent softmaxes at once), so
// the strided axis costs no gathers. Sums are float vectors (the reference sums in double;
// the difference is a few ulp). Work is split over rows / (outer, inner block) units, each
// computed the same way whatever the thread count. In-place safe: a line is fully read
// (max) before any of it is written, and each later pass reads what it writes.
#pragma once
#include <cstdint>
#include <limits>

#include "kernels/ref/softmax.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class V>
struct SoftmaxF32 {
  using R = typename V::R;
  static constexpr int kW = V::kW;
  static constexpr float kNegInf = -std::numeric_limits<float>::infinity();

  static void row(const float* x, float* y, int64_t n) {
    R m = V::set1(kNegInf);
    int64_t i = 0;
    for (; i + kW <= n; i += kW) m = V::max(m, V::load(x + i));
    if (i < n) m = V::max(m, V::load_n(x + i, static_cast<int>(n - i), kNegInf));
    const R mx = V::set1(V::reduce_max(m));
    R s = V::zero();
    for (i = 0; i + kW <= n; i += kW) {
      const R e = V::exp(V::sub(V::load(x + i), mx));
      V::store(y + i, e);
      s = V::add(s, e);
    }
    if (i < n) {
      const int t = static_cast<int>(n - i);
      const R e = V::exp(V::sub(V::load_n(x + i, t, kNegInf), mx));  // padding lanes: exp(-inf) = 0
      V::store_n(y + i, e, t);
      s = V::add(s, e);
    }
    const R inv = V::set1(1.0f / V::reduce_add(s));
    for (i = 0; i + kW <= n; i += kW) V::store(y + i, V::mul(V::load(y + i), inv));
    if (i < n) V::store_n(y + i, V::mul(V::load_n(y + i, static_cast<int>(n - i)), inv), static_cast<int>(n - i));
  }

  // kW (or t < kW) softmaxes at once along a strided axis: element k of lane j at x[k * s + j].
  static void columns(const float* x, float* y, int64_t n, int64_t s, int t) {
    R m = V::set1(kNegInf);
    for (int64_t k = 0; k < n; ++k) m = V::max(m, V::load_n(x + k * s, t, kNegInf));
    R sum = V::zero();
    for (int64_t k = 0; k < n; ++k) {
      const R e = V::exp(V::sub(V::load_n(x + k * s, t, kNegInf), m));
      V::store_n(y + k * s, e, t);
      sum = V::add(sum, e);
    }
    const R inv = V::div(V::set1(1.0f), sum);
    for (int64_t k = 0; k < n; ++k) V::store_n(y + k * s, V::mul(V::load_n(y + k * s, t), inv), t);
  }

  static void run(const float* x, float* y, const ref::SoftmaxParams& p, ThreadPool* pool) {
    const int64_t n = p.axis_dim, s = p.inner;
    if (s == 1) {
      parallel_for(pool, p.outer, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o) row(x + o * n, y + o * n, n);
      });
      return;
    }
    const int64_t blocks = (s + kW - 1) / kW;
    parallel_for(pool, p.outer * blocks, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t o = u / blocks, j = u % blocks * kW;
        const int t = static_cast<int>(s - j < kW ? s - j : kW);
        columns(x + o * n * s + j, y + o * n * s + j, n, s, t);
      }
    });
  }
};

}  // namespace
}  // namespace wisp::x86
