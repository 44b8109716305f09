// What per-layer sensitivity analysis produces (see sensitivity.hpp for how): plain data,
// no quantizer dependency, so reports can be built and tested on their own.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace wisp::verify {

struct SensitivityEntry {
  std::string node, op;
  double output_sqnr_db = 0;  // final output (first graph output) vs the float model's
  double top1 = 0;            // percent, with only this node quantized
  double top1_drop = 0;       // float top-1 minus top1, in points
};

struct SensitivityResult {
  std::vector<SensitivityEntry> layers;  // most sensitive (lowest output SQNR) first
  double float_top1 = 100.0;             // percent (100 by definition when against the float arg-max)
  bool against_labels = false;
  int64_t samples = 0;
};

}  // namespace wisp::verify
