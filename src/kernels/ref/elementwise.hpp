// Shared pieces of the elementwise reference kernels: the type each element type computes
// in (f16/bf16 compute in float and round once at the store), type-class traits used to
// instantiate only the combinations an op accepts, and value conversion used by Cast and
// by ops that read scalar operands (Clip's min/max).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/dtype.hpp"

namespace wisp::ref {

template <class T>
inline constexpr bool kIsHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <class T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T> || kIsHalf<T>;
template <class T>
inline constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <class T>
inline constexpr bool kIsNumeric = kIsFloat<T> || kIsInt<T>;

// The type arithmetic on T happens in: float for the 16-bit floats, T otherwise.
template <class T>
using compute_t = std::conditional_t<kIsHalf<T>, float, T>;

// Converts any numeric/bool value to To the way ONNX Cast does: bool is x != 0, float to
// integer truncates toward zero; NaN becomes 0 and out-of-range values saturate (C++
// leaves those undefined, ONNX leaves them implementation-defined: we pick the safe one).
template <class To, class From>
To convert_value(From v) {
  using CF = compute_t<From>;
  const CF x = static_cast<CF>(v);
  if constexpr (std::is_same_v<To, bool>) {
    return x != CF(0);
  } else if constexpr (kIsFloat<CF> && kIsInt<To>) {
    if (std::isnan(x)) return To(0);
    // Compare in long double so that the bounds of 64-bit types are exact.
    const long double lx = static_cast<long double>(x);
    if (lx <= static_cast<long double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (lx >= static_cast<long double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else if constexpr (std::is_same_v<To, Float16> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(x));
  } else {
    return static_cast<To>(x);
  }
}

// Wrapping negation for integers (INT_MIN stays INT_MIN instead of undefined behaviour).
template <class T>
T wrapping_neg(T x) {
  if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(U(0) - static_cast<U>(x)));
  } else {
    return static_cast<T>(-x);
  }
}

}  // namespace wisp::ref
