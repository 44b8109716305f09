// Per-layer quantization sensitivity: quantize ONE compute node at a time (everything else
// stays float, QuantizeOptions::only_nodes) and measure what that alone does to the final
// output: its SQNR against the float model's output and the top-1 drop (against labels when
// given, otherwise against the float model's own arg-max: "agreement"). Calibration runs
// once (quant::calibrate) and is shared by every one-node quantization.
//
// This is the classic layer-wise sensitivity analysis (as in ORT's qdq_loss_debug or
// TensorRT's per-layer precision search): the nodes at the top of the list are the ones to
// keep in float (`wisp optimize --keep-float`) when the fully quantized model misses its
// accuracy budget.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "quant/quantizer.hpp"
#include "verify/batch_runner.hpp"
#include "verify/sensitivity_result.hpp"

namespace wisp::verify {

struct SensitivityOptions {
  quant::QuantizeOptions quantize;  // only_nodes is set per node
  BatchOptions batches;
  bool optimize = true;             // run the graph optimizer on each model before running it
  // Called before each node is quantized (index, total, node name): progress display.
  std::function<void(size_t, size_t, const std::string&)> progress;
};

// The nodes sensitivity analysis quantizes one at a time: Conv, ConvTranspose, Gemm,
// MatMul, and Add of two computed tensors (residual Adds), in graph order.
std::vector<const Node*> sensitivity_candidates(const Model& float_model);

// `labels`: int64 [N] or null. Throws what quantize_static throws for an unsupported model.
SensitivityResult layer_sensitivity(const Model& float_model, const quant::CalibrationData& calibration_data,
                                    const Tensor& data, const Tensor* labels, const SensitivityOptions& options);

}  // namespace wisp::verify
