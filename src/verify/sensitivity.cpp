#include "verify/sensitivity.hpp"

#include <algorithm>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/pass_manager.hpp"
#include "verify/layer_compare.hpp"

namespace wisp::verify {

std::vector<const Node*> sensitivity_candidates(const Model& float_model) {
  std::vector<const Node*> out;
  for (const auto& node : float_model.graph.nodes()) {
    const std::string& op = node->op_type;
    if (!node->domain.empty()) continue;
    if (op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul") {
      out.push_back(node.get());
    } else if (op == "Add" && node->inputs.size() == 2 && node->has_input(0) && node->has_input(1) &&
               !node->inputs[0]->is_constant() && !node->inputs[1]->is_constant()) {
      out.push_back(node.get());
    }
  }
  return out;
}

namespace {

// Top-1 hits of one batch's output against the reference classes from `first`.
int64_t count_hits(const Tensor& logits, const std::vector<int64_t>& reference, int64_t first) {
  const std::vector<int64_t> pred = argmax_rows(logits);
  int64_t hits = 0;
  for (size_t i = 0; i < pred.size(); ++i) hits += pred[i] == reference[static_cast<size_t>(first) + i];
  return hits;
}

}  // namespace

SensitivityResult layer_sensitivity(const Model& float_model, const quant::CalibrationData& calibration_data,
                                    const Tensor& data, const Tensor* labels, const SensitivityOptions& options) {
  SensitivityResult result;
  const std::shared_ptr<const Model> float_run = options.optimize ? optimize_model(float_model) : clone_model(float_model);

  // The float reference: first output of every batch and its arg-max.
  std::vector<Tensor> reference_out;
  std::vector<int64_t> float_class;
  result.samples = run_batches(float_run, data, options.batches, [&](int64_t, int64_t, const std::vector<Tensor>& outs) {
    reference_out.push_back(outs.at(0));
    for (int64_t c : argmax_rows(outs.at(0))) float_class.push_back(c);
  });
  std::vector<int64_t> truth = float_class;
  result.against_labels = labels != nullptr;
  if (labels != nullptr) {
    WISP_CHECK(labels->shape().rank() == 1 && labels->numel() >= result.samples, ErrorCode::kInvalidArgument,
               "there are ", labels->numel(), " labels for ", result.samples, " samples");
    for (int64_t i = 0; i < result.samples; ++i) truth[static_cast<size_t>(i)] = labels->scalar_as_int(i);
    int64_t hits = 0;
    for (int64_t i = 0; i < result.samples; ++i) hits += float_class[static_cast<size_t>(i)] == truth[static_cast<size_t>(i)];
    result.float_top1 = 100.0 * double(hits) / double(std::max<int64_t>(result.samples, 1));
  }

  const quant::Calibration calibration = quant::calibrate(float_model, calibration_data, options.quantize);
  const std::vector<const Node*> nodes = sensitivity_candidates(float_model);
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (options.progress) options.progress(k, nodes.size(), nodes[k]->name);
    quant::QuantizeOptions qo = options.quantize;
    qo.only_nodes = {nodes[k]->name};
    qo.keep_float.clear();
    qo.progress = false;
    std::shared_ptr<Model> q = quant::quantize_static(calibration, calibration_data, qo);
    std::shared_ptr<const Model> q_run = options.optimize ? optimize_model(*q) : q;
    ErrorAccumulator acc;
    int64_t hits = 0;
    size_t batch_no = 0;
    run_batches(q_run, data, options.batches, [&](int64_t first, int64_t, const std::vector<Tensor>& outs) {
      const Tensor& ref = reference_out.at(batch_no++);
      WISP_CHECK(outs.at(0).shape() == ref.shape(), ErrorCode::kInternal, "quantizing node '", nodes[k]->name,
                 "' changed the output shape");
      acc.add(ref.as<float>(), outs[0].as<float>(), ref.numel());
      hits += count_hits(outs[0], truth, first);
    });
    SensitivityEntry e;
    e.node = nodes[k]->name;
    e.op = nodes[k]->op_type;
    e.output_sqnr_db = acc.sqnr_db();
    e.top1 = 100.0 * double(hits) / double(std::max<int64_t>(result.samples, 1));
    e.top1_drop = result.float_top1 - e.top1;
    result.layers.push_back(std::move(e));
  }
  std::stable_sort(result.layers.begin(), result.layers.end(), [](const SensitivityEntry& a, const SensitivityEntry& b) {
    return a.output_sqnr_db < b.output_sqnr_db;
  });
  return result;
}

}  // namespace wisp::verify
