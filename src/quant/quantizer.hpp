// Post-training static quantization (PTQ) of a float Model into standard ONNX QDQ form.
//
// Pipeline (quantize_static):
//   1. calibrate(): run the float model on the calibration feeds and record, for every
//      activation that will be quantized, its min/max and a 2048-bin histogram (two passes:
//      ranges first, then histograms over the final range). See calibration.hpp.
//   2. choose a clip range per tensor with the requested method (minmax, percentile, KL
//      entropy, MSE) or, with kAuto, the method whose clip gives the best SQNR on that
//      tensor's own calibration histogram.
//   3. optional cross-layer equalization (equalize.cpp) and bias correction
//      (bias_correction.cpp) on the float weights.
//   4. rewrite the graph into QDQ (qdq_rewrite.cpp): weights per-channel symmetric int8,
//      bias int32 (scale = x_scale * w_scale), activations per-tensor uint8 asymmetric (or
//      int8 symmetric). The value named X in the result is the dequantized float model's X.
//
// The result keeps a float interface (inputs and outputs float), runs anywhere as float
// simulation, and is what K's fuse_qdq passes turn into integer kernels.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp::quant {

enum class CalibMethod { kMinMax, kPercentile, kEntropy, kMse, kAuto };
const char* calib_method_name(CalibMethod m);
// "minmax" | "percentile" | "entropy" | "mse" | "auto"; throws kInvalidArgument otherwise.
CalibMethod parse_calib_method(const std::string& name);

struct QuantizeOptions {
  bool symmetric_activations = false;
  CalibMethod method = CalibMethod::kAuto;
  double percentile = 99.99;
  std::vector<std::string> keep_float;  // node names (as in the ONNX file) left in float
  std::vector<std::string> only_nodes;  // non-empty: quantize only these nodes (sensitivity)
  bool equalize = true;                 // cross-layer equalization
  bool bias_correction = true;
  int threads = 1;
  bool progress = false;                // progress bar on stderr
};

// One calibration sample = one set of graph inputs (name -> tensor).
struct CalibrationData {
  std::vector<std::vector<std::pair<std::string, Tensor>>> feeds;
};

// Statistics of one activation tensor over the calibration data.
struct TensorStats {
  double min = 0, max = 0;            // observed range
  // Histogram of |x| (TensorRT style): kHistogramBins equal bins over [hist_min = 0,
  // hist_max = max(|min|, |max|)]. The methods pick a magnitude threshold from it.
  double hist_min = 0, hist_max = 0;
  std::vector<double> histogram;
  int64_t count = 0;                  // values seen
  std::vector<double> channel_mean;   // per channel (axis 1, or last for Gemm/MatMul inputs);
                                      // filled for inputs of Conv/Gemm/MatMul (bias correction)
};
inline constexpr int kHistogramBins = 2048;

// Calibration statistics: computed once, reused by any number of quantize_static calls
// (T's one-layer-at-a-time sensitivity loop costs a single calibration).
struct Calibration {
  std::map<std::string, TensorStats> tensors;  // by value name in the float model
  // The model the statistics belong to: the float model after the standard-preserving
  // preparation quantize_static applies (constant folding, BN folding, equalization).
  std::shared_ptr<const Model> prepared_model;
  bool equalized = false;
  int64_t equalized_pairs = 0;  // conv pairs cross-layer equalization scaled
};

// Per tensor, what was chosen.
struct TensorQuantInfo {
  std::string name;
  CalibMethod method = CalibMethod::kMinMax;
  double clip_min = 0, clip_max = 0;  // clip range used
  double scale = 0;
  int zero_point = 0;
  double sqnr_db = 0;                 // SQNR of quantizing this tensor's calibration histogram
};

struct QuantizeReport {
  std::vector<TensorQuantInfo> tensors;       // activations, in graph order
  std::vector<std::string> quantized_nodes;   // names of Conv/Gemm/MatMul/Add... made QDQ
  std::vector<std::string> float_nodes;       // compute nodes left float (keep_float, unsupported)
  int64_t weight_bytes_before = 0, weight_bytes_after = 0;
  int64_t equalized_pairs = 0;
  int64_t bias_corrected_nodes = 0;
  std::string summary() const;                // human-readable table
};

// Runs the float model on `data` and records statistics of every quantizable activation.
// `options` decides equalization (it changes the activations, so it is applied first).
Calibration calibrate(const Model& float_model, const CalibrationData& data, const QuantizeOptions& options);

std::shared_ptr<Model> quantize_static(const Model& float_model, const CalibrationData& data,
                                       const QuantizeOptions& options, QuantizeReport* report = nullptr);
// Same, from precomputed statistics (calibration.prepared_model is the model quantized).
// Bias correction uses the per-channel input means the calibration recorded, so `data` is
// not read today (it is kept for a sequential, layer-by-layer correction) and may be empty.
std::shared_ptr<Model> quantize_static(const Calibration& calibration, const CalibrationData& data,
                                       const QuantizeOptions& options, QuantizeReport* report = nullptr);

// Dynamic quantization (--dynamic): MatMul/Gemm weights to per-channel int8 (QDQ on the
// weight), activations quantized per run by DynamicQuantizeLinear. See quantize_dynamic.cpp.
std::shared_ptr<Model> quantize_dynamic(const Model& float_model, QuantizeReport* report = nullptr);

}  // namespace wisp::quant
