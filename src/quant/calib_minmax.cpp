// minmax: the observed range, nothing clipped. Best when there are no outliers; a single
// outlier stretches the grid for every other value.
#include <algorithm>
#include <cmath>

#include "quant/calib_methods.hpp"

namespace wisp::quant {

double threshold_minmax(const TensorStats& s) { return std::max(std::abs(s.min), std::abs(s.max)); }

}  // namespace wisp::quant
