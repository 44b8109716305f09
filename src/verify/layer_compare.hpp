// Per-layer error of a quantized model against its float original.
//
// By the QDQ contract (docs/quantization.md), the value named X in a quantized model is the
// dequantized version of the float model's X. So every value produced by a node of the
// float model that also exists by name in the quantized model is a probe point: both models
// get those values added as graph outputs (before the optimizer runs, so no fusion swallows
// them), both run over the same data, and each probe accumulates, over all samples,
//   SQNR   = 10 log10( sum f^2 / sum (f - q)^2 )  dB   (+inf when identical)
//   cosine = sum f q / sqrt(sum f^2 * sum q^2)
// over the whole tensor (all elements of all samples), as ORT's and TFLite's debuggers do.
// The result is sorted worst (lowest SQNR) first.
//
// Cross-layer equalization breaks "X is the dequantized X" for the tensor between an
// equalized pair: the quantizer scales its channels by s_c (and the next layer's weights
// by 1/s_c), so the quantized model's X is s_c * X_c, a large raw "error" that is no error.
// Each probe therefore also gets the SQNR after the best per-channel scale (axis 1, least
// squares: residual_c = sum f^2 - (sum f q)^2 / sum q^2); when that is over 10 dB better,
// the layer is flagged `rescaled` and ranked by the rescaled SQNR.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "verify/batch_runner.hpp"

namespace wisp::verify {

struct LayerError {
  std::string value;     // the tensor's name (the same in both models)
  std::string node, op;  // its producer in the float model
  int64_t order = 0;     // the producer's position in the float graph
  int64_t elements = 0;  // elements compared (all samples)
  double sqnr_db = 0;    // +inf when the tensors are identical
  double cosine = 0;
  double max_abs_error = 0;
  double rescaled_sqnr_db = 0;  // after the best per-channel scale (axis 1)
  bool rescaled = false;        // rescaled_sqnr_db > sqnr_db + 10: channels were rescaled (equalization)
  double rank_db() const { return rescaled ? rescaled_sqnr_db : sqnr_db; }  // what the order uses
};

struct LayerCompareResult {
  std::vector<LayerError> layers;  // worst SQNR first (ties: graph order)
  int64_t samples = 0;
};

struct LayerCompareOptions {
  BatchOptions batches;
  bool optimize = true;  // run the graph optimizer on both probe models (outputs are kept)
};

// Throws kInvalidArgument when the models share no probe value (not a QDQ model of
// this float model) or the float model's first input is missing from the quantized one.
LayerCompareResult compare_layers(const Model& float_model, const Model& quant_model, const Tensor& data,
                                  const LayerCompareOptions& options = {});

// The names compare_layers probes: float-typed (or untyped, checked when run) values produced by a node of `float_model`
// that also exist, not as constants, in `quant_model`, in float graph order.
std::vector<const Value*> shared_probe_values(const Model& float_model, const Model& quant_model);

// Accumulates the statistics above over any number of chunks of the same tensor.
class ErrorAccumulator {
 public:
  void add(const float* reference, const float* other, int64_t count);
  // Also tracks per-channel sums: the data is [outer, channels, inner] (channel axis 1).
  void add_channels(const float* reference, const float* other, int64_t outer, int64_t channels, int64_t inner);
  double rescaled_sqnr_db() const;  // after the best per-channel scale; sqnr_db() without channels
  double sqnr_db() const;
  double cosine() const;
  double max_abs_error() const { return max_abs_; }
  int64_t count() const { return count_; }

 private:
  double signal_ = 0, noise_ = 0, dot_ = 0, other_energy_ = 0, max_abs_ = 0;
  int64_t count_ = 0;
  std::vector<double> ch_signal_, ch_dot_, ch_other_;  // per channel: sum f^2, sum f q, sum q^2
};

}  // namespace wisp::verify
