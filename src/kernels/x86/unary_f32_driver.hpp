// float32 unary functions, elementwise, templated on one ISA's vector type (vec_math_*.hpp
// Vec); included by unary_f32_avx2.cpp / unary_f32_avx512.cpp only.
//
// The function is chosen once per call (a switch outside the loop instantiates one loop
// per function). Tails use masked loads and stores. Large arrays are cut into fixed
// 4096-element units for the thread pool; each element is computed the same way whatever
// the thread count. NaN handling follows the reference kernels (src/kernels/ref/
// activation.cpp): min/max operand order is chosen so Relu(nan) = 0, HardSigmoid(nan) = 1,
// Clip and LeakyRelu pass nan through.
#pragma once
#include <cstdint>

#include "kernels/x86/eltwise_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class V>
struct UnaryF32Driver {
  using R = typename V::R;
  static constexpr int kW = V::kW;
  static constexpr int64_t kUnit = 4096;

  template <class F>
  static void map(const float* x, float* y, int64_t n, ThreadPool* pool, F f) {
    parallel_for(pool, (n + kUnit - 1) / kUnit, [&](int64_t u0, int64_t u1) {
      const int64_t end = u1 * kUnit < n ? u1 * kUnit : n;
      int64_t i = u0 * kUnit;
      for (; i + kW <= end; i += kW) V::store(y + i, f(V::load(x + i)));
      if (i < end) V::store_n(y + i, f(V::load_n(x + i, static_cast<int>(end - i))), static_cast<int>(end - i));
    });
  }

  static R sign_bit() { return V::set1(-0.0f); }

  static void run(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool) {
    const R zero = V::zero(), one = V::set1(1.0f), a = V::set1(op.alpha), b = V::set1(op.beta);
    auto hard_sigmoid = [=](R v) { return V::max(V::min(V::fma(a, v, b), one), zero); };  // one rounding, not two
    switch (op.fn) {
      case UnaryF32::kRelu: return map(x, y, n, pool, [=](R v) { return V::max(v, zero); });
      case UnaryF32::kLeakyRelu: return map(x, y, n, pool, [=](R v) { return V::select_lt(v, zero, V::mul(a, v), v); });
      case UnaryF32::kClip: return map(x, y, n, pool, [=](R v) { return V::min(b, V::max(a, v)); });
      case UnaryF32::kSigmoid: return map(x, y, n, pool, [](R v) { return V::sigmoid(v); });
      case UnaryF32::kHardSigmoid: return map(x, y, n, pool, hard_sigmoid);
      case UnaryF32::kHardSwish: return map(x, y, n, pool, [=](R v) { return V::mul(v, hard_sigmoid(v)); });
      case UnaryF32::kTanh: return map(x, y, n, pool, [](R v) { return V::tanh(v); });
      case UnaryF32::kExp: return map(x, y, n, pool, [](R v) { return V::exp(v); });
      case UnaryF32::kErf: return map(x, y, n, pool, [](R v) { return V::erf(v); });
      case UnaryF32::kGelu: return map(x, y, n, pool, [](R v) { return V::gelu(v); });
      case UnaryF32::kGeluTanh:
        return map(x, y, n, pool, [=](R v) {  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
          const R inner = V::mul(V::set1(0.7978845608028654f), V::fma(V::mul(V::set1(0.044715f), v), V::mul(v, v), v));
          const R h = V::mul(V::set1(0.5f), v);
          return V::fma(h, V::tanh(inner), h);
        });
      case UnaryF32::kSqrt: return map(x, y, n, pool, [](R v) { return V::sqrt(v); });
      case UnaryF32::kNeg: return map(x, y, n, pool, [=](R v) { return V::bit_xor(v, sign_bit()); });
      case UnaryF32::kAbs: return map(x, y, n, pool, [=](R v) { return V::bit_andnot(sign_bit(), v); });
    }
  }
};

}  // namespace
}  // namespace wisp::x86
