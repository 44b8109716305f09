// float32 binary arithmetic over a BinaryF32Plan (eltwise_f32.hpp), templated on one ISA's
// vector type (vec_math_*.hpp Vec); included by binary_f32_avx2/avx512.cpp only.
//
// Work is cut into units of up to 4096 elements of one contiguous run (a run longer than
// that is several units, so one big same-shape Add still splits over threads); a unit
// finds its inputs' offsets from its run index by the plan's strides. The op is chosen once
// per call; the loop body is one of three forms (both inputs contiguous, a repeated, b
// repeated). Every element is computed the same way whatever the thread count, and the
// results equal the reference's (IEEE add/sub/mul/div/sqrt; Max/Min with its nan rule; Pow
// 2 and 0.5, which the reference computes in double and rounds once, as a * a and sqrt).
#pragma once
#include <cstdint>
#include <limits>

#include "kernels/x86/eltwise_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class V>
struct BinaryF32Driver {
  using R = typename V::R;
  static constexpr int kW = V::kW;
  static constexpr int64_t kUnit = 4096;

  template <class F>
  static void run_one(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n, F f) {
    int64_t i = 0;
    if (sa && sb) {
      for (; i + kW <= n; i += kW) V::store(y + i, f(V::load(a + i), V::load(b + i)));
      if (i < n) {
        const int t = static_cast<int>(n - i);
        V::store_n(y + i, f(V::load_n(a + i, t), V::load_n(b + i, t)), t);
      }
    } else if (sa) {
      const R bv = V::set1(*b);
      for (; i + kW <= n; i += kW) V::store(y + i, f(V::load(a + i), bv));
      if (i < n) V::store_n(y + i, f(V::load_n(a + i, static_cast<int>(n - i)), bv), static_cast<int>(n - i));
    } else {
      const R av = V::set1(*a);
      if (!sb) {  // both repeated (a run of one): one value
        V::store_n(y, f(av, V::set1(*b)), 1);
        for (i = 1; i < n; ++i) y[i] = y[0];
        return;
      }
      for (; i + kW <= n; i += kW) V::store(y + i, f(av, V::load(b + i)));
      if (i < n) V::store_n(y + i, f(av, V::load_n(b + i, static_cast<int>(n - i))), static_cast<int>(n - i));
    }
  }

  template <class F>
  static void map(const BinaryF32Plan& p, const float* a, const float* b, float* y, ThreadPool* pool, F f) {
    const int last = p.rank - 1;
    const int64_t run = p.dims[last];
    int64_t runs = 1;
    for (int d = 0; d < last; ++d) runs *= p.dims[d];
    const int64_t per_run = (run + kUnit - 1) / kUnit;
    const int64_t sa = p.a_strides[last], sb = p.b_strides[last];
    parallel_for(pool, runs * per_run, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t r = u / per_run, j0 = u % per_run * kUnit;
        const int64_t n = run - j0 < kUnit ? run - j0 : kUnit;
        int64_t ao = j0 * sa, bo = j0 * sb, rest = r;
        for (int d = last - 1; d >= 0; --d) {
          const int64_t idx = rest % p.dims[d];
          rest /= p.dims[d];
          ao += idx * p.a_strides[d];
          bo += idx * p.b_strides[d];
        }
        run_one(a + ao, sa, b + bo, sb, y + r * run + j0, n, f);
      }
    });
  }

  static void run(BinaryF32 op, const BinaryF32Plan& p, const float* a, const float* b, float* y, ThreadPool* pool) {
    switch (op) {
      case BinaryF32::kAdd: return map(p, a, b, y, pool, [](R x, R z) { return V::add(x, z); });
      case BinaryF32::kSub: return map(p, a, b, y, pool, [](R x, R z) { return V::sub(x, z); });
      case BinaryF32::kMul: return map(p, a, b, y, pool, [](R x, R z) { return V::mul(x, z); });
      case BinaryF32::kDiv: return map(p, a, b, y, pool, [](R x, R z) { return V::div(x, z); });
      case BinaryF32::kMax: return map(p, a, b, y, pool, [](R x, R z) { return V::max_nan(x, z); });
      case BinaryF32::kMin: return map(p, a, b, y, pool, [](R x, R z) { return V::min_nan(x, z); });
      case BinaryF32::kSquare: return map(p, a, b, y, pool, [](R x, R) { return V::mul(x, x); });
      case BinaryF32::kSqrt:
        return map(p, a, b, y, pool, [](R x, R) {
          const R inf = V::set1(std::numeric_limits<float>::infinity());
          const R r = V::add(V::sqrt(x), V::zero());  // -0 + 0 = +0
          return V::select_lt(x, V::set1(std::numeric_limits<float>::lowest()), inf, r);  // x = -inf
        });
    }
  }
};

}  // namespace
}  // namespace wisp::x86
