// Internal helpers of the quantizer (not part of the public contract).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "quant/quantizer.hpp"

namespace wisp::quant {

// The float model as PTQ sees it: a clone with the standard-preserving passes applied
// (Constant nodes -> values, Identity/Dropout removed, BatchNormalization folded,
// constant Transposes folded, dead nodes dropped), nothing wisp-specific, so the QDQ
// result is plain ONNX.
std::shared_ptr<Model> prepare_float_model(const Model& model);

// Cross-layer equalization (equalize.cpp) in place; returns the number of pairs scaled.
int64_t equalize_cross_layer(Graph& g);

// Runs `model` on every feed with `extra_outputs` made graph outputs, calling `visit(i,
// name, tensor view)` for each. Progress bar labelled `label` when `progress`.
void run_collecting(const Model& model, const CalibrationData& data, const std::vector<std::string>& extra_outputs,
                    int threads, bool progress, const char* label,
                    const std::function<void(size_t, const std::string&, const TensorView&)>& visit);

}  // namespace wisp::quant
