// The fixed-point int8 Add (QLinearAdd, domain com.microsoft, as ONNX Runtime's QOperator
// models and passes/fuse_qdq_add.cpp write it): both inputs rescaled to the output's scale
// by integer multipliers sharing one shift, summed in int64, rounded once.
//
//   y = clamp(((a - a_zp) * ma + (b - b_zp) * mb + 2^(shift-1)) >> shift) + y_zp, qmin, qmax)
//
// with ma = round(a_scale / y_scale * 2^shift), mb likewise, and shift chosen at prepare so
// the larger multiplier is in [2^30, 2^31) (relative error <= 2^-31, so the result is the
// float formula's rounding except within ~1e-7 of a .5 tie, where it rounds up). No float
// in the loop; every ISA matches qadd_value bit for bit. [qmin, qmax] is y's type range
// narrowed by a fused Relu/Clip (wisp_qmin / wisp_qmax). Broadcasting as ONNX Add.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace wisp::ref {

struct QAddParams {
  int32_t a_zp = 0, b_zp = 0, y_zp = 0, qmin = 0, qmax = 255;
  int64_t ma = 0, mb = 0;
  int32_t shift = 1;
};

// Multipliers for the ratios a_scale / y_scale and b_scale / y_scale (finite, >= 0).
inline void set_qadd_multipliers(double ra, double rb, QAddParams& p) {
  int e = 0;
  (void)std::frexp(std::max(ra, rb), &e);  // max = f * 2^e, f in [0.5, 1)
  p.shift = std::clamp(31 - e, 1, 62);
  p.ma = std::llround(std::ldexp(ra, p.shift));
  p.mb = std::llround(std::ldexp(rb, p.shift));
}

inline int32_t qadd_value(int32_t a, int32_t b, const QAddParams& p) {
  const int64_t acc = int64_t{a - p.a_zp} * p.ma + int64_t{b - p.b_zp} * p.mb;
  const int64_t r = ((acc + (int64_t{1} << (p.shift - 1))) >> p.shift) + p.y_zp;
  return static_cast<int32_t>(std::clamp<int64_t>(r, p.qmin, p.qmax));
}

}  // namespace wisp::ref
