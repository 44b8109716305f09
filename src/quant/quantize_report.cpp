// QuantizeReport::summary(): the table `wisp optimize` prints.
#include <algorithm>
#include <cstdio>

#include "core/status.hpp"
#include "quant/quantizer.hpp"

namespace wisp::quant {

std::string QuantizeReport::summary() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  nodes quantized   %zu\n  nodes kept float  %zu\n", quantized_nodes.size(),
                float_nodes.size());
  out += line;
  for (const std::string& f : float_nodes) out += "    float: " + f + "\n";
  std::snprintf(line, sizeof line, "  weights           %.1f KiB -> %.1f KiB (%.2fx)\n", weight_bytes_before / 1024.0,
                weight_bytes_after / 1024.0,
                weight_bytes_before ? double(weight_bytes_after) / double(weight_bytes_before) : 0.0);
  out += line;
  std::snprintf(line, sizeof line, "  equalization      %lld conv pairs\n  bias corrected    %lld nodes\n",
                static_cast<long long>(equalized_pairs), static_cast<long long>(bias_corrected_nodes));
  out += line;
  if (tensors.empty()) return out;
  int counts[5] = {};
  for (const TensorQuantInfo& t : tensors) ++counts[static_cast<int>(t.method)];
  std::snprintf(line, sizeof line, "  activations       %zu (minmax %d, percentile %d, entropy %d, mse %d)\n",
                tensors.size(), counts[0], counts[1], counts[2], counts[3]);
  out += line;
  std::vector<const TensorQuantInfo*> worst;
  for (const TensorQuantInfo& t : tensors) worst.push_back(&t);
  std::sort(worst.begin(), worst.end(), [](auto* a, auto* b) { return a->sqnr_db < b->sqnr_db; });
  out += "  lowest calibration SQNR:\n";
  std::snprintf(line, sizeof line, "    %-36s %-10s %10s %10s %8s\n", "tensor", "method", "clip min", "clip max", "SQNR dB");
  out += line;
  for (size_t i = 0; i < worst.size() && i < 8; ++i) {
    const TensorQuantInfo& t = *worst[i];
    std::snprintf(line, sizeof line, "    %-36.36s %-10s %10.4g %10.4g %8.2f\n", t.name.c_str(), calib_method_name(t.method),
                  t.clip_min, t.clip_max, t.sqnr_db);
    out += line;
  }
  return out;
}

}  // namespace wisp::quant
