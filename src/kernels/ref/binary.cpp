// Binary elementwise reference kernels. Each op is a small lambda on the compute type
// (float for f16/bf16); apply() runs it over the broadcast loop. Integer arithmetic wraps
// (computed in uint64) instead of being undefined on overflow, and integer division by
// zero is an error rather than a crash.
#include "kernels/ref/binary.hpp"

#include <cmath>

#include "core/status.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/elementwise.hpp"

namespace wisp::ref {
namespace {

template <class A, class B, class R, class F>
void apply(const TensorView& a, const TensorView& b, TensorView& out, F f) {
  const A* pa = a.as<A>();
  const B* pb = b.as<B>();
  R* po = out.as<R>();
  for_each_broadcast<2>(out.shape, {&a.shape, &b.shape},
                        [&](int64_t i, const BroadcastOffsets<2>& o) { po[i] = f(pa[o[0]], pb[o[1]]); });
}

// Runs f on the compute type and stores as T (arithmetic) ...
template <class T, class F>
void arith(const TensorView& a, const TensorView& b, TensorView& out, F f) {
  using C = compute_t<T>;
  apply<T, T, T>(a, b, out, [f](T x, T y) { return static_cast<T>(f(static_cast<C>(x), static_cast<C>(y))); });
}
// ... or as bool (comparisons).
template <class T, class F>
void compare(const TensorView& a, const TensorView& b, TensorView& out, F f) {
  using C = compute_t<T>;
  apply<T, T, bool>(a, b, out, [f](T x, T y) { return f(static_cast<C>(x), static_cast<C>(y)); });
}

[[noreturn]] void fail_divide_by_zero(const char* op) {
  fail(ErrorCode::kOutOfRange, op, ": integer division by zero");
}

template <class T>
T int_div(T x, T y) {
  if (y == T(0)) fail_divide_by_zero("Div");
  if constexpr (std::is_signed_v<T>)
    if (y == T(-1)) return wrapping_neg(x);  // INT_MIN / -1 overflows
  return static_cast<T>(x / y);             // truncates toward zero, as ONNX specifies
}

template <class T>
T int_mod(T x, T y, bool c_fmod) {
  if (y == T(0)) fail_divide_by_zero("Mod");
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return T(0);
    T r = static_cast<T>(x % y);  // sign of the dividend (C, fmod=1)
    if (!c_fmod && r != T(0) && ((r < T(0)) != (y < T(0)))) r = static_cast<T>(r + y);  // sign of the divisor
    return r;
  } else {
    return static_cast<T>(x % y);
  }
}

template <class C>
C float_mod(C x, C y, bool c_fmod) {
  C r = std::fmod(x, y);
  if (!c_fmod && r != C(0) && ((r < C(0)) != (y < C(0)))) r += y;
  return r;
}

// x ** y for integers: exact by repeated squaring (wrapping); negative exponents give the
// truncated reciprocal (0 unless |x| == 1).
template <class T>
T int_pow(T x, int64_t y) {
  if (y < 0) {
    if (x == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>)
      if (x == T(-1)) return (y & 1) ? T(-1) : T(1);
    if (x == T(0)) fail(ErrorCode::kOutOfRange, "Pow: 0 raised to a negative integer power");
    return T(0);
  }
  uint64_t result = 1, base = static_cast<uint64_t>(x);
  for (uint64_t e = static_cast<uint64_t>(y); e; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return static_cast<T>(result);
}

template <class T>
void pow_kernel(const TensorView& a, const TensorView& b, TensorView& out) {
  dispatch_dtype(b.dtype, "Pow exponent", [&](auto tag) {
    using U = decltype(tag);
    if constexpr (kIsNumeric<U>) {
      if constexpr (kIsInt<T> && kIsInt<U>) {
        apply<T, U, T>(a, b, out, [](T x, U y) {
          // An unsigned exponent above int64's range gives the same result as a huge one.
          const int64_t e = y > U(0) && static_cast<uint64_t>(y) > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(y);
          return int_pow(x, e);
        });
      } else {
        // Computed in double, like NumPy's mixed-type power, then rounded/truncated to T.
        apply<T, U, T>(a, b, out, [](T x, U y) {
          return convert_value<T>(std::pow(static_cast<double>(static_cast<compute_t<T>>(x)),
                                           static_cast<double>(static_cast<compute_t<U>>(y))));
        });
      }
    } else {
      fail(ErrorCode::kUnsupported, "Pow: exponent type ", dtype_name(b.dtype), " is not supported");
    }
  });
}

template <class T>
void numeric_binary(const TensorView& a, const TensorView& b, TensorView& out, const BinaryParams& p) {
  using C = compute_t<T>;
  const bool c_fmod = p.fmod;
  switch (p.op) {
    case BinOp::kAdd:
      if constexpr (kIsInt<T>) return arith<T>(a, b, out, [](C x, C y) { return static_cast<uint64_t>(x) + static_cast<uint64_t>(y); });
      else return arith<T>(a, b, out, [](C x, C y) { return x + y; });
    case BinOp::kSub:
      if constexpr (kIsInt<T>) return arith<T>(a, b, out, [](C x, C y) { return static_cast<uint64_t>(x) - static_cast<uint64_t>(y); });
      else return arith<T>(a, b, out, [](C x, C y) { return x - y; });
    case BinOp::kMul:
      if constexpr (kIsInt<T>) return arith<T>(a, b, out, [](C x, C y) { return static_cast<uint64_t>(x) * static_cast<uint64_t>(y); });
      else return arith<T>(a, b, out, [](C x, C y) { return x * y; });
    case BinOp::kDiv:
      if constexpr (kIsInt<T>) return arith<T>(a, b, out, [](C x, C y) { return int_div(x, y); });
      else return arith<T>(a, b, out, [](C x, C y) { return x / y; });
    case BinOp::kMod:
      if constexpr (kIsInt<T>) return arith<T>(a, b, out, [c_fmod](C x, C y) { return int_mod(x, y, c_fmod); });
      else return arith<T>(a, b, out, [c_fmod](C x, C y) { return float_mod(x, y, c_fmod); });
    case BinOp::kPow: return pow_kernel<T>(a, b, out);
    // NaN propagates from either side, as in NumPy's maximum/minimum.
    case BinOp::kMin: return arith<T>(a, b, out, [](C x, C y) { return (x <= y || x != x) ? x : y; });
    case BinOp::kMax: return arith<T>(a, b, out, [](C x, C y) { return (x >= y || x != x) ? x : y; });
    case BinOp::kEqual: return compare<T>(a, b, out, [](C x, C y) { return x == y; });
    case BinOp::kGreater: return compare<T>(a, b, out, [](C x, C y) { return x > y; });
    case BinOp::kLess: return compare<T>(a, b, out, [](C x, C y) { return x < y; });
    case BinOp::kGreaterOrEqual: return compare<T>(a, b, out, [](C x, C y) { return x >= y; });
    case BinOp::kLessOrEqual: return compare<T>(a, b, out, [](C x, C y) { return x <= y; });
    default: break;
  }
  if constexpr (kIsInt<T>) {
    constexpr uint64_t kBits = sizeof(T) * 8;
    switch (p.op) {
      // Shifting by the width or more is undefined in C++; ONNX's result is 0.
      case BinOp::kBitShiftLeft:
        return arith<T>(a, b, out, [](C x, C y) { return static_cast<uint64_t>(y) >= kBits ? C(0) : static_cast<C>(static_cast<uint64_t>(x) << y); });
      case BinOp::kBitShiftRight:
        return arith<T>(a, b, out, [](C x, C y) { return static_cast<uint64_t>(y) >= kBits ? C(0) : static_cast<C>(x >> y); });
      case BinOp::kBitwiseAnd: return arith<T>(a, b, out, [](C x, C y) { return x & y; });
      case BinOp::kBitwiseOr: return arith<T>(a, b, out, [](C x, C y) { return x | y; });
      case BinOp::kBitwiseXor: return arith<T>(a, b, out, [](C x, C y) { return x ^ y; });
      default: break;
    }
  }
  fail(ErrorCode::kInternal, "binary op ", static_cast<int>(p.op), " is not defined for ", dtype_name(a.dtype));
}

void bool_binary(const TensorView& a, const TensorView& b, TensorView& out, const BinaryParams& p) {
  switch (p.op) {
    case BinOp::kAnd: return apply<bool, bool, bool>(a, b, out, [](bool x, bool y) { return x && y; });
    case BinOp::kOr: return apply<bool, bool, bool>(a, b, out, [](bool x, bool y) { return x || y; });
    case BinOp::kXor:
    case BinOp::kEqual:
      if (p.op == BinOp::kXor) return apply<bool, bool, bool>(a, b, out, [](bool x, bool y) { return x != y; });
      return apply<bool, bool, bool>(a, b, out, [](bool x, bool y) { return x == y; });
    default: break;
  }
  fail(ErrorCode::kInternal, "binary op ", static_cast<int>(p.op), " is not defined for bool");
}

void binary_kernel(const KernelArgs& a) { binary(*a.in[0], *a.in[1], *a.out[0], a.p<BinaryParams>()); }
void variadic_kernel(const KernelArgs& a) { variadic(a.in, *a.out[0], a.p<BinaryParams>()); }

}  // namespace

void binary(const TensorView& a, const TensorView& b, TensorView& out, const BinaryParams& p) {
  dispatch_dtype(a.dtype, "binary op", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>)
      bool_binary(a, b, out, p);
    else
      numeric_binary<T>(a, b, out, p);
  });
}

void variadic(std::span<const TensorView* const> ins, TensorView& out, const BinaryParams& p) {
  // out = in0 broadcast to out's shape (in place when the planner made them share), then
  // out = out op in_k for the rest. Only input 0 may share out's memory.
  const TensorView& first = *ins[0];
  dispatch_dtype(first.dtype, "variadic op", [&](auto tag) {
    using T = decltype(tag);
    const T* src = first.as<T>();
    T* dst = out.as<T>();
    for_each_broadcast<1>(out.shape, {&first.shape}, [&](int64_t i, const BroadcastOffsets<1>& o) { dst[i] = src[o[0]]; });
  });
  for (size_t k = 1; k < ins.size(); ++k) binary(out, *ins[k], out, p);
  if (!p.mean) return;
  dispatch_dtype(out.dtype, "Mean", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (kIsFloat<T>) {
      using C = compute_t<T>;
      const C n = static_cast<C>(ins.size());
      for (T& v : out.span<T>()) v = static_cast<T>(static_cast<C>(v) / n);
    } else {
      fail(ErrorCode::kUnsupported, "Mean: element type ", dtype_name(out.dtype), " is not supported");
    }
  });
}

#define WISP_BINARY(name) WISP_REGISTER_KERNEL(name, DType::kUndefined, Isa::kRef, binary_kernel)
WISP_BINARY("Add"); WISP_BINARY("Sub"); WISP_BINARY("Mul"); WISP_BINARY("Div"); WISP_BINARY("Pow");
WISP_BINARY("Mod"); WISP_BINARY("BitShift"); WISP_BINARY("BitwiseAnd"); WISP_BINARY("BitwiseOr");
WISP_BINARY("BitwiseXor"); WISP_BINARY("And"); WISP_BINARY("Or"); WISP_BINARY("Xor"); WISP_BINARY("Equal");
WISP_BINARY("Greater"); WISP_BINARY("Less"); WISP_BINARY("GreaterOrEqual"); WISP_BINARY("LessOrEqual");
#undef WISP_BINARY
WISP_REGISTER_KERNEL("Min", DType::kUndefined, Isa::kRef, variadic_kernel);
WISP_REGISTER_KERNEL("Max", DType::kUndefined, Isa::kRef, variadic_kernel);
WISP_REGISTER_KERNEL("Sum", DType::kUndefined, Isa::kRef, variadic_kernel);
WISP_REGISTER_KERNEL("Mean", DType::kUndefined, Isa::kRef, variadic_kernel);

}  // namespace wisp::ref
