#include "kernels/ref/activation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/elementwise.hpp"

namespace wisp::ref {
namespace {

template <class T, class F>
void map(const T* in, T* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(f(static_cast<compute_t<T>>(in[i])));
}

// log(1 + exp(x)) without overflow for large x.
template <class C>
C softplus(C x) {
  return std::max(x, C(0)) + std::log1p(std::exp(-std::fabs(x)));
}

template <class T>
void float_activation(const T* in, T* out, int64_t n, const ActivationParams& p) {
  using C = compute_t<T>;
  const C alpha = static_cast<C>(p.alpha), beta = static_cast<C>(p.beta), gamma = static_cast<C>(p.gamma);
  switch (p.fn) {
    case ActFn::kRelu: return map(in, out, n, [](C x) { return x > C(0) ? x : C(0); });
    case ActFn::kLeakyRelu: return map(in, out, n, [=](C x) { return x < C(0) ? alpha * x : x; });
    case ActFn::kElu: return map(in, out, n, [=](C x) { return x < C(0) ? alpha * (std::exp(x) - C(1)) : x; });
    case ActFn::kSelu:
      return map(in, out, n, [=](C x) { return x > C(0) ? gamma * x : gamma * alpha * (std::exp(x) - C(1)); });
    case ActFn::kCelu:
      return map(in, out, n, [=](C x) { return std::max(C(0), x) + std::min(C(0), alpha * (std::exp(x / alpha) - C(1))); });
    case ActFn::kSigmoid:
      // Written so that neither branch overflows: exp of a non-positive number only.
      return map(in, out, n, [](C x) {
        if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
        const C e = std::exp(x);
        return e / (C(1) + e);
      });
    case ActFn::kHardSigmoid:
      return map(in, out, n, [=](C x) { return std::max(C(0), std::min(C(1), alpha * x + beta)); });
    case ActFn::kHardSwish:
      return map(in, out, n, [=](C x) { return x * std::max(C(0), std::min(C(1), alpha * x + beta)); });
    case ActFn::kTanh: return map(in, out, n, [](C x) { return std::tanh(x); });
    case ActFn::kSoftplus: return map(in, out, n, [](C x) { return softplus(x); });
    case ActFn::kSoftsign: return map(in, out, n, [](C x) { return x / (C(1) + std::fabs(x)); });
    case ActFn::kThresholdedRelu: return map(in, out, n, [=](C x) { return x > alpha ? x : C(0); });
    case ActFn::kShrink:
      return map(in, out, n, [=](C x) { return x < -gamma ? x + beta : x > gamma ? x - beta : C(0); });
    case ActFn::kGelu:
      return map(in, out, n, [](C x) { return C(0.5) * x * (C(1) + std::erf(x / std::numbers::sqrt2_v<C>)); });
    case ActFn::kGeluTanh:
      return map(in, out, n, [](C x) {
        const C k = std::sqrt(C(2) / std::numbers::pi_v<C>);
        return C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x)));
      });
    case ActFn::kMish: return map(in, out, n, [](C x) { return x * std::tanh(softplus(x)); });
  }
}

// Relu and Shrink also accept integers; Shrink computes in double and truncates back.
template <class T>
void int_activation(const T* in, T* out, int64_t n, const ActivationParams& p) {
  if (p.fn == ActFn::kRelu) {
    for (int64_t i = 0; i < n; ++i) out[i] = in[i] > T(0) ? in[i] : T(0);
    return;
  }
  WISP_ASSERT(p.fn == ActFn::kShrink);
  const double bias = p.beta, lambd = p.gamma;
  for (int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(in[i]);
    out[i] = convert_value<T>(x < -lambd ? x + bias : x > lambd ? x - bias : 0.0);
  }
}

void activation_kernel(const KernelArgs& a) { activation(*a.in[0], *a.out[0], a.p<ActivationParams>()); }
void prelu_kernel(const KernelArgs& a) { prelu(*a.in[0], *a.in[1], *a.out[0]); }
void clip_kernel(const KernelArgs& a) {
  clip(*a.in[0], a.has_in(1) ? a.in[1] : nullptr, a.has_in(2) ? a.in[2] : nullptr, *a.out[0]);
}

}  // namespace

void activation(const TensorView& in, TensorView& out, const ActivationParams& p) {
  dispatch_dtype(in.dtype, "activation", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsFloat<T>)
      float_activation(in.as<T>(), out.as<T>(), in.numel(), p);
    else if constexpr (kIsInt<T>)
      int_activation(in.as<T>(), out.as<T>(), in.numel(), p);
    else
      WISP_ASSERT(false && "activation on bool");
  });
}

void prelu(const TensorView& x, const TensorView& slope, TensorView& out) {
  dispatch_dtype(x.dtype, "PRelu", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsNumeric<T>) {
      using C = compute_t<T>;
      const T* px = x.as<T>();
      const T* ps = slope.as<T>();
      T* po = out.as<T>();
      for_each_broadcast<2>(out.shape, {&x.shape, &slope.shape}, [&](int64_t i, const BroadcastOffsets<2>& o) {
        const C v = static_cast<C>(px[o[0]]);
        po[i] = v < C(0) ? static_cast<T>(static_cast<C>(ps[o[1]]) * v) : px[o[0]];
      });
    } else {
      WISP_ASSERT(false && "PRelu on bool");
    }
  });
}

void clip(const TensorView& x, const TensorView* lo, const TensorView* hi, TensorView& out) {
  dispatch_dtype(x.dtype, "Clip", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsNumeric<T>) {
      using C = compute_t<T>;
      // Bounds are read once. They normally have x's type; a legacy (opset < 11) bound is
      // a float constant, so convert rather than reinterpret.
      auto bound = [](const TensorView* b, C fallback) -> C {
        if (!b) return fallback;
        if (b->dtype == dtype_of<T>()) return static_cast<C>(b->as<T>()[0]);
        if constexpr (kIsInt<C>) {
          if (dtype_is_float(b->dtype)) return convert_value<C>(element_as_double(*b, 0));  // saturates
          return convert_value<C>(element_as_int(*b, 0));
        }
        return static_cast<C>(element_as_double(*b, 0));
      };
      const C l = bound(lo, std::numeric_limits<C>::lowest());
      const C h = bound(hi, std::numeric_limits<C>::max());
      const T* px = x.as<T>();
      T* po = out.as<T>();
      const int64_t n = x.numel();
      for (int64_t i = 0; i < n; ++i) {
        // NaN passes through (comparisons with NaN are false); with l > h every value
        // becomes h, as ONNX specifies.
        C v = static_cast<C>(px[i]);
        v = v < l ? l : v;
        po[i] = static_cast<T>(v > h ? h : v);
      }
    } else {
      WISP_ASSERT(false && "Clip on bool");
    }
  });
}

#define WISP_ACT(name) WISP_REGISTER_KERNEL(name, DType::kUndefined, Isa::kRef, activation_kernel)
WISP_ACT("Relu"); WISP_ACT("LeakyRelu"); WISP_ACT("Elu"); WISP_ACT("Selu"); WISP_ACT("Celu");
WISP_ACT("Sigmoid"); WISP_ACT("HardSigmoid"); WISP_ACT("HardSwish"); WISP_ACT("Tanh");
WISP_ACT("Softplus"); WISP_ACT("Softsign"); WISP_ACT("ThresholdedRelu"); WISP_ACT("Shrink");
WISP_ACT("Gelu"); WISP_ACT("Mish");
#undef WISP_ACT
WISP_REGISTER_KERNEL("PRelu", DType::kUndefined, Isa::kRef, prelu_kernel);
WISP_REGISTER_KERNEL("Clip", DType::kUndefined, Isa::kRef, clip_kernel);

}  // namespace wisp::ref
