// percentile: the magnitude below which `percentile` % of the calibration values lie,
// interpolated linearly inside the bin where the cumulative count crosses it (so a ramp
// gives the exact percentile up to float rounding, not a bin edge).
#include <algorithm>

#include "quant/calib_methods.hpp"

namespace wisp::quant {

double threshold_percentile(const TensorStats& s, double percentile) {
  const auto bins = static_cast<int64_t>(s.histogram.size());
  double total = 0;
  for (double c : s.histogram) total += c;
  if (bins == 0 || total <= 0 || s.hist_max <= 0) return threshold_minmax(s);
  const double want = std::clamp(percentile, 0.0, 100.0) / 100.0 * total;
  const double width = s.hist_max / static_cast<double>(bins);
  double cum = 0;
  for (int64_t i = 0; i < bins; ++i) {
    const double c = s.histogram[static_cast<size_t>(i)];
    if (cum + c >= want && c > 0) return (static_cast<double>(i) + (want - cum) / c) * width;
    cum += c;
  }
  return s.hist_max;
}

}  // namespace wisp::quant
