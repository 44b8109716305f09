// Fixed-point requantization: the one piece of maths every integer kernel shares.
//
// An int8 conv/GEMM accumulates int32 sums `acc`; the real value is acc * (x_scale *
// w_scale) and the output wants it in units of y_scale. The float ratio
// s = x_scale * w_scale / y_scale is turned ONCE (at prepare) into an integer multiplier
// m in [2^30, 2^31) and a right shift n so that s ~= m * 2^-n. Then, per output value,
//
//     q = clamp(((int64(acc) * m + 2^(n-1)) >> n) + y_zero_point, qmin, qmax)
//
// i.e. round to nearest with ties toward +infinity ("rndnu" in XNNPACK's terms). No float
// is touched in the inner loop, so the same maths runs on a microcontroller, and every
// SIMD variant must produce exactly these integers (tests compare bit for bit against
// requantize() below). |acc| < 2^31 and m < 2^31 keep |acc * m| < 2^62, so the rounding
// add cannot overflow int64.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace wisp::quant {

struct FixedPointMultiplier {
  int32_t multiplier = 0;  // in [2^30, 2^31), or 0 for a zero scale
  int32_t shift = 1;       // right shift, in [1, 63]
};

// s must be finite and >= 0. Scales below ~2^-33 become multiplier 0 (the result is the
// zero point); scales >= 2^30 are not representable and are clamped (callers check the
// ratio is sane before getting here: a QLinearConv with y_scale 1e-12 is a broken model).
inline FixedPointMultiplier quantize_multiplier(double s) {
  FixedPointMultiplier r;
  if (!(s > 0) || !std::isfinite(s)) return r;
  int exp = 0;
  const double frac = std::frexp(s, &exp);  // s = frac * 2^exp, frac in [0.5, 1)
  int64_t m = std::llround(frac * 2147483648.0);  // frac * 2^31, in [2^30, 2^31]
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++exp;
  }
  int32_t shift = 31 - exp;
  if (shift > 63) {  // too small: lose precision gracefully, stay exact about the shift bound
    m >>= std::min<int32_t>(shift - 63, 31);
    shift = 63;
  }
  if (shift < 1) {  // too large (s >= 2^30): saturate
    shift = 1;
    m = (int64_t{1} << 31) - 1;
  }
  r.multiplier = static_cast<int32_t>(m);
  r.shift = shift;
  return r;
}

// The reference requantization; SIMD kernels must match it bit for bit.
inline int32_t requantize(int32_t acc, FixedPointMultiplier fm, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const int64_t prod = static_cast<int64_t>(acc) * fm.multiplier;
  const int64_t rounded = (prod + (int64_t{1} << (fm.shift - 1))) >> fm.shift;  // arithmetic shift
  const int64_t q = rounded + zero_point;
  return static_cast<int32_t>(std::clamp<int64_t>(q, qmin, qmax));
}

}  // namespace wisp::quant
