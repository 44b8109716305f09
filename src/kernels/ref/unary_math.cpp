#include "kernels/ref/unary_math.hpp"

#include <cmath>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/elementwise.hpp"

namespace wisp::ref {
namespace {

template <class T, class R, class F>
void map(const T* in, R* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<R>(f(static_cast<compute_t<T>>(in[i])));
}

// Functions defined on floats (computed in float for f16/bf16, double for f64).
template <class T>
void float_fn(const T* in, T* out, int64_t n, UnaryFn fn) {
  using C = compute_t<T>;
  switch (fn) {
    case UnaryFn::kAbs: return map(in, out, n, [](C x) { return std::fabs(x); });
    case UnaryFn::kNeg: return map(in, out, n, [](C x) { return -x; });
    case UnaryFn::kSign: return map(in, out, n, [](C x) { return x > C(0) ? C(1) : x < C(0) ? C(-1) : x; });
    case UnaryFn::kReciprocal: return map(in, out, n, [](C x) { return C(1) / x; });
    case UnaryFn::kFloor: return map(in, out, n, [](C x) { return std::floor(x); });
    case UnaryFn::kCeil: return map(in, out, n, [](C x) { return std::ceil(x); });
    // nearbyint in the default rounding mode rounds halves to even, as ONNX Round requires.
    case UnaryFn::kRound: return map(in, out, n, [](C x) { return std::nearbyint(x); });
    case UnaryFn::kSqrt: return map(in, out, n, [](C x) { return std::sqrt(x); });
    case UnaryFn::kExp: return map(in, out, n, [](C x) { return std::exp(x); });
    case UnaryFn::kLog: return map(in, out, n, [](C x) { return std::log(x); });
    case UnaryFn::kErf: return map(in, out, n, [](C x) { return std::erf(x); });
    case UnaryFn::kSin: return map(in, out, n, [](C x) { return std::sin(x); });
    case UnaryFn::kCos: return map(in, out, n, [](C x) { return std::cos(x); });
    case UnaryFn::kTan: return map(in, out, n, [](C x) { return std::tan(x); });
    case UnaryFn::kAsin: return map(in, out, n, [](C x) { return std::asin(x); });
    case UnaryFn::kAcos: return map(in, out, n, [](C x) { return std::acos(x); });
    case UnaryFn::kAtan: return map(in, out, n, [](C x) { return std::atan(x); });
    case UnaryFn::kSinh: return map(in, out, n, [](C x) { return std::sinh(x); });
    case UnaryFn::kCosh: return map(in, out, n, [](C x) { return std::cosh(x); });
    case UnaryFn::kAsinh: return map(in, out, n, [](C x) { return std::asinh(x); });
    case UnaryFn::kAcosh: return map(in, out, n, [](C x) { return std::acosh(x); });
    case UnaryFn::kAtanh: return map(in, out, n, [](C x) { return std::atanh(x); });
    default: break;
  }
  WISP_ASSERT(false && "unary function not defined on floats");
}

// Functions defined on integers. Abs/Neg wrap at the minimum value instead of overflowing.
template <class T>
void int_fn(const T* in, T* out, int64_t n, UnaryFn fn) {
  switch (fn) {
    case UnaryFn::kAbs: return map(in, out, n, [](T x) { return x < T(0) ? wrapping_neg(x) : x; });
    case UnaryFn::kNeg: return map(in, out, n, [](T x) { return wrapping_neg(x); });
    case UnaryFn::kSign: return map(in, out, n, [](T x) { return T(x > T(0) ? 1 : 0) - T(x < T(0) ? 1 : 0); });
    case UnaryFn::kBitwiseNot: return map(in, out, n, [](T x) { return static_cast<T>(~x); });
    default: break;
  }
  WISP_ASSERT(false && "unary function not defined on integers");
}

template <class T>
void is_special(const T* in, bool* out, int64_t n, const UnaryParams& p) {
  using C = compute_t<T>;
  if (p.fn == UnaryFn::kIsNaN) return map(in, out, n, [](C x) { return std::isnan(x); });
  const bool pos = p.detect_positive, neg = p.detect_negative;
  map(in, out, n, [pos, neg](C x) { return std::isinf(x) && (x > 0 ? pos : neg); });
}

void unary_kernel(const KernelArgs& a) { unary_math(*a.in[0], *a.out[0], a.p<UnaryParams>()); }

}  // namespace

void unary_math(const TensorView& in, TensorView& out, const UnaryParams& p) {
  const int64_t n = in.numel();
  dispatch_dtype(in.dtype, "unary math", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      WISP_ASSERT(p.fn == UnaryFn::kNot);
      map(in.as<bool>(), out.as<bool>(), n, [](bool x) { return !x; });
    } else if constexpr (kIsFloat<T>) {
      if (p.fn == UnaryFn::kIsNaN || p.fn == UnaryFn::kIsInf)
        is_special(in.as<T>(), out.as<bool>(), n, p);
      else
        float_fn(in.as<T>(), out.as<T>(), n, p.fn);
    } else {
      int_fn(in.as<T>(), out.as<T>(), n, p.fn);
    }
  });
}

#define WISP_UNARY(name) WISP_REGISTER_KERNEL(name, DType::kUndefined, Isa::kRef, unary_kernel)
WISP_UNARY("Abs"); WISP_UNARY("Neg"); WISP_UNARY("Sign"); WISP_UNARY("Reciprocal");
WISP_UNARY("Floor"); WISP_UNARY("Ceil"); WISP_UNARY("Round"); WISP_UNARY("Sqrt");
WISP_UNARY("Exp"); WISP_UNARY("Log"); WISP_UNARY("Erf"); WISP_UNARY("Sin"); WISP_UNARY("Cos");
WISP_UNARY("Tan"); WISP_UNARY("Asin"); WISP_UNARY("Acos"); WISP_UNARY("Atan"); WISP_UNARY("Sinh");
WISP_UNARY("Cosh"); WISP_UNARY("Asinh"); WISP_UNARY("Acosh"); WISP_UNARY("Atanh");
WISP_UNARY("IsNaN"); WISP_UNARY("IsInf"); WISP_UNARY("Not"); WISP_UNARY("BitwiseNot");
#undef WISP_UNARY

}  // namespace wisp::ref
