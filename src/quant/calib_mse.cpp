// mse: the threshold minimising the quantization MSE of the calibration histogram, found by
// scanning candidate thresholds (every 8th bin edge from 1/16 of the range to the max, so
// 2048 bins give ~240 candidates): clipping error grows as t shrinks, rounding error as it
// grows, and the scan finds the balance.
#include <cmath>

#include "quant/calib_methods.hpp"

namespace wisp::quant {

double threshold_mse(const TensorStats& s, bool symmetric) {
  const auto bins = static_cast<int64_t>(s.histogram.size());
  if (bins == 0 || s.hist_max <= 0) return threshold_minmax(s);
  const double width = s.hist_max / static_cast<double>(bins);
  double best_t = s.hist_max, best_err = -1;
  for (int64_t edge = bins; edge >= bins / 16 && edge >= 1; edge -= 8) {
    const double t = static_cast<double>(edge) * width;
    const double step = t / quant_levels(s, symmetric);
    double err = 0;
    for (int64_t i = 0; i < bins; ++i) {
      const double c = s.histogram[static_cast<size_t>(i)];
      if (c == 0) continue;
      const double v = (static_cast<double>(i) + 0.5) * width;
      const double q = std::min(std::round(v / step) * step, t);
      err += c * (v - q) * (v - q);
    }
    if (best_err < 0 || err < best_err) {
      best_err = err;
      best_t = t;
    }
  }
  return best_t;
}

}  // namespace wisp::quant
