// Rounding and saturation shared by the quantized ops (QuantizeLinear, QLinearConv,
// QLinearMatMul, DynamicQuantizeLinear): round half to even (std::nearbyint in the
// default rounding mode, like numpy.rint), then clamp to the integer type's range.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace wisp::ref {

template <class Q, class F>
Q saturate_round(F v) {
  const F r = std::nearbyint(v);
  constexpr F lo = static_cast<F>(std::numeric_limits<Q>::lowest());
  constexpr F hi = static_cast<F>(std::numeric_limits<Q>::max());
  if (!(r >= lo)) return std::numeric_limits<Q>::lowest();  // also NaN
  if (r >= hi) return std::numeric_limits<Q>::max();
  return static_cast<Q>(r);
}

// A per-tensor (count 1) or per-channel parameter read as element `i` (0 when per tensor).
template <class T>
T quant_param(const T* p, bool per_channel, int64_t i) {
  return p ? p[per_channel ? i : 0] : T(0);
}

}  // namespace wisp::ref

namespace wisp::ref {

// QuantizeLinear / DequantizeLinear: x viewed as [outer, axis_dim, inner]; scale and zero
// point are one value (per tensor) or one per index along the axis.
struct QuantizeLinearParams {
  int64_t outer = 1, axis_dim = 1, inner = 1;
  bool per_axis = false;
};

}  // namespace wisp::ref
