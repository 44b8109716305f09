// Shared pieces of the calibration methods (see calib_methods.hpp): the grid and the SQNR.
#include <algorithm>
#include <cmath>

#include "core/status.hpp"
#include "quant/calib_methods.hpp"

namespace wisp::quant {

double quant_levels(const TensorStats& s, bool symmetric) {
  if (symmetric) return 127.0;
  return s.min >= 0 ? 255.0 : 127.5;
}

ClipRange clip_for_threshold(const TensorStats& s, double t) {
  ClipRange r{std::max(s.min, -t), std::min(s.max, t)};
  r.min = std::min(r.min, 0.0);
  r.max = std::max(r.max, 0.0);
  return r;
}

double histogram_sqnr_db(const TensorStats& s, double t, bool symmetric) {
  const auto bins = static_cast<int64_t>(s.histogram.size());
  if (bins == 0 || s.hist_max <= 0 || t <= 0) return 0.0;
  const double width = s.hist_max / static_cast<double>(bins);
  const double step = t / quant_levels(s, symmetric);
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < bins; ++i) {
    const double c = s.histogram[static_cast<size_t>(i)];
    if (c == 0) continue;
    const double v = (static_cast<double>(i) + 0.5) * width;
    const double q = std::min(std::round(v / step) * step, t);
    signal += c * v * v;
    noise += c * (v - q) * (v - q);
  }
  if (signal <= 0) return 0.0;
  if (noise <= signal * 1e-20) return 200.0;
  return 10.0 * std::log10(signal / noise);
}

MethodChoice choose_threshold(const TensorStats& s, CalibMethod method, double percentile, bool symmetric) {
  auto one = [&](CalibMethod m) {
    MethodChoice c;
    c.method = m;
    switch (m) {
      case CalibMethod::kMinMax: c.threshold = threshold_minmax(s); break;
      case CalibMethod::kPercentile: c.threshold = threshold_percentile(s, percentile); break;
      case CalibMethod::kEntropy: c.threshold = threshold_entropy(s, symmetric); break;
      case CalibMethod::kMse: c.threshold = threshold_mse(s, symmetric); break;
      case CalibMethod::kAuto: WISP_ASSERT(false);
    }
    c.sqnr_db = histogram_sqnr_db(s, c.threshold, symmetric);
    return c;
  };
  if (method != CalibMethod::kAuto) return one(method);
  MethodChoice best = one(CalibMethod::kMinMax);
  for (CalibMethod m : {CalibMethod::kPercentile, CalibMethod::kEntropy, CalibMethod::kMse}) {
    const MethodChoice c = one(m);
    if (c.sqnr_db > best.sqnr_db + 1e-9) best = c;  // ties keep the simpler method
  }
  return best;
}

const char* calib_method_name(CalibMethod m) {
  switch (m) {
    case CalibMethod::kMinMax: return "minmax";
    case CalibMethod::kPercentile: return "percentile";
    case CalibMethod::kEntropy: return "entropy";
    case CalibMethod::kMse: return "mse";
    case CalibMethod::kAuto: return "auto";
  }
  return "?";
}

CalibMethod parse_calib_method(const std::string& name) {
  for (CalibMethod m : {CalibMethod::kMinMax, CalibMethod::kPercentile, CalibMethod::kEntropy, CalibMethod::kMse,
                        CalibMethod::kAuto})
    if (name == calib_method_name(m)) return m;
  fail(ErrorCode::kInvalidArgument, "unknown calibration method '", name,
       "' (expected minmax, percentile, entropy, mse or auto)");
}

}  // namespace wisp::quant
