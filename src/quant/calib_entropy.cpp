// entropy: TensorRT's KL-divergence calibration. For each candidate threshold (bin i):
//   P = the histogram bins [0, i) with everything beyond folded into bin i-1 (the clipped
//       distribution the quantized tensor will really carry);
//   Q = bins [0, i) merged into `levels` groups, each group's mass spread evenly over its
//       non-empty bins (what quantization to `levels` steps can represent);
// and the threshold minimises KL(P || Q). It clips long tails much harder than minmax and
// keeps the resolution where the mass is, which is why it suits heavy-tailed activations.
// The zero bin is damped to its neighbour's count first (as NVIDIA's pytorch-quantization
// does): post-ReLU tensors hold a spike of exact zeros that quantizes exactly whatever the
// threshold, but smeared over its Q group it made KL choose the smallest threshold (LeNet
// on Fashion-MNIST: clip at 1/6 of the max, top-1 90.85% -> 86.99%). Spikes away from zero
// (a constant image background gives every channel of the first conv one value) fool KL
// the same way, so the search never clips more than 1% of the values: candidates start at
// the 99th percentile of |x|.
#include <cmath>
#include <vector>

#include "quant/calib_methods.hpp"

namespace wisp::quant {

double threshold_entropy(const TensorStats& s, bool symmetric) {
  const auto bins = static_cast<int64_t>(s.histogram.size());
  const auto levels = static_cast<int64_t>(std::ceil(quant_levels(s, symmetric)));  // 128 or 255
  if (bins <= levels || s.hist_max <= 0) return threshold_minmax(s);
  const double width = s.hist_max / static_cast<double>(bins);
  std::vector<double> h = s.histogram;
  h[0] = h[1];
  std::vector<double> tail(static_cast<size_t>(bins) + 1, 0.0);  // tail[i] = sum h[i..]
  for (int64_t i = bins - 1; i >= 0; --i) tail[static_cast<size_t>(i)] = tail[static_cast<size_t>(i) + 1] + h[static_cast<size_t>(i)];
  double best_kl = -1;
  int64_t best_i = bins;
  std::vector<double> q(static_cast<size_t>(bins));
  const auto p99_bin = static_cast<int64_t>(std::ceil(threshold_percentile(s, 99.0) / width));
  for (int64_t i = std::max(levels, std::min(p99_bin, bins)); i <= bins; ++i) {
    // Q: `levels` groups over [0, i).
    for (int64_t g = 0; g < levels; ++g) {
      const int64_t b0 = g * i / levels, b1 = (g + 1) * i / levels;
      double mass = 0;
      int64_t nonzero = 0;
      for (int64_t b = b0; b < b1; ++b) {
        mass += h[static_cast<size_t>(b)];
        nonzero += h[static_cast<size_t>(b)] > 0;
      }
      for (int64_t b = b0; b < b1; ++b)
        q[static_cast<size_t>(b)] = h[static_cast<size_t>(b)] > 0 ? mass / static_cast<double>(nonzero) : 0.0;
    }
    const double p_total = tail[0];  // P keeps all mass (outliers folded into bin i-1)
    double q_total = 0;
    for (int64_t b = 0; b < i; ++b) q_total += q[static_cast<size_t>(b)];
    if (p_total <= 0 || q_total <= 0) continue;
    double kl = 0;
    for (int64_t b = 0; b < i; ++b) {
      double p = h[static_cast<size_t>(b)];
      if (b == i - 1) p += tail[static_cast<size_t>(i)];
      if (p <= 0) continue;
      // A bin of P with no Q mass (only the folded last bin can be) gets a tiny Q, as
      // TensorRT's smoothing does, instead of an infinite divergence.
      const double qb = std::max(q[static_cast<size_t>(b)], 1e-4) / q_total;
      const double pb = p / p_total;
      kl += pb * std::log(pb / qb);
    }
    if (best_kl < 0 || kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return static_cast<double>(best_i) * width;
}

}  // namespace wisp::quant
