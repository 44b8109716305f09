// float32 LayerNormalization over the last `block` elements, templated on one ISA's vector
// type (vec_math_*.hpp Vec); included by layer_norm_f32_avx2/avx512.cpp only.
//
// Per row: mean (vector sum), then the variance as the mean of (x - mean)^2 (two passes:
// no cancellation when |mean| >> stddev), then y = (x - mean) * inv * scale + bias with
// inv = 1 / sqrt(var + epsilon). Sums are float vectors reduced in a fixed order (the
// reference sums in double; the difference is a few ulp). Rows are split over threads.
// Covers scale (and bias) of the block's full size, the usual case; layer_norm_f32_ops.cpp
// sends other broadcasts to the reference.
#pragma once
#include <cmath>
#include <cstdint>

#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class V>
struct LayerNormF32 {
  using R = typename V::R;
  static constexpr int kW = V::kW;

  // Writes the row and returns {mean, inv}.
  static void row(const float* x, float* y, const float* scale, const float* bias, int64_t n, float eps,
                  float& mean_out, float& inv_out) {
    R s = V::zero();
    int64_t i = 0;
    for (; i + kW <= n; i += kW) s = V::add(s, V::load(x + i));
    if (i < n) s = V::add(s, V::load_n(x + i, static_cast<int>(n - i)));
    const float mean = V::reduce_add(s) / static_cast<float>(n);
    const R mv = V::set1(mean);
    R q = V::zero();
    for (i = 0; i + kW <= n; i += kW) {
      const R d = V::sub(V::load(x + i), mv);
      q = V::fma(d, d, q);
    }
    if (i < n) {
      const R d = V::sub(V::load_n(x + i, static_cast<int>(n - i), mean), mv);  // padding: d = 0
      q = V::fma(d, d, q);
    }
    const float inv = 1.0f / std::sqrt(V::reduce_add(q) / static_cast<float>(n) + eps);
    const R iv = V::set1(inv);
    auto one = [&](int64_t at, int t) {
      const R xn = V::mul(V::sub(V::load_n(x + at, t), mv), iv);
      const R sc = V::load_n(scale + at, t);
      const R out = bias ? V::fma(xn, sc, V::load_n(bias + at, t)) : V::mul(xn, sc);
      V::store_n(y + at, out, t);
    };
    for (i = 0; i + kW <= n; i += kW) one(i, kW);
    if (i < n) one(i, static_cast<int>(n - i));
    mean_out = mean;
    inv_out = inv;
  }

  // mean / inv_std: per-row outputs (may be null).
  static void run(const float* x, float* y, const float* scale, const float* bias, int64_t rows, int64_t n, float eps,
                  float* mean, float* inv_std, ThreadPool* pool) {
    parallel_for(pool, rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float m = 0, iv = 0;
        row(x + r * n, y + r * n, scale, bias, n, eps, m, iv);
        if (mean) mean[r] = m;
        if (inv_std) inv_std[r] = iv;
      }
    });
  }
};

}  // namespace
}  // namespace wisp::x86
