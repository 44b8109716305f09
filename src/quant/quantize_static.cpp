// quantize_static(): calibration statistics -> clip ranges -> bias correction -> QDQ graph.
// The steps are explained in quantizer.hpp; this file wires them and fills the report.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "quant/bias_correction.hpp"
#include "quant/calib_methods.hpp"
#include "quant/model_prep.hpp"
#include "quant/qdq_rewrite.hpp"
#include "quant/quant_plan.hpp"

namespace wisp::quant {
namespace {

int64_t constant_bytes(const Graph& g) {
  int64_t b = 0;
  for (const auto& v : g.values())
    if (v->is_constant()) b += v->constant->bytes();
  return b;
}

// The per-channel axis of a compute node's weight: Conv [Cout, ...] -> 0; MatMul B [K, N]
// -> 1; Gemm B [K, N] -> 1, or [N, K] with transB -> 0.
int weight_axis(const Node& n) {
  if (n.op_type == "Conv") return 0;
  if (n.op_type == "Gemm") return n.attrs.get_int("transB", 0) ? 0 : 1;
  return 1;
}

}  // namespace

std::shared_ptr<Model> quantize_static(const Model& float_model, const CalibrationData& data,
                                       const QuantizeOptions& options, QuantizeReport* report) {
  const Calibration cal = calibrate(float_model, data, options);
  return quantize_static(cal, data, options, report);
}

std::shared_ptr<Model> quantize_static(const Calibration& cal, const CalibrationData& /*data*/,
                                       const QuantizeOptions& options, QuantizeReport* report) {
  WISP_CHECK(cal.prepared_model != nullptr, ErrorCode::kInvalidArgument,
             "quantize_static: the Calibration has no model (use calibrate())");
  std::shared_ptr<Model> m = clone_model(*cal.prepared_model);
  Graph& g = m->graph;
  QuantizeReport local;
  QuantizeReport& rep = report ? *report : local;
  rep = QuantizeReport{};
  rep.weight_bytes_before = constant_bytes(g);
  rep.equalized_pairs = cal.equalized_pairs;

  QuantPlan plan = plan_quantization(g, options);
  // Tensors calibration could not see as float (or never saw) stay float.
  std::erase_if(plan.activations, [&](const std::string& n) { return !cal.tensors.count(param_root(plan, n)); });
  const std::set<std::string> quantized(plan.activations.begin(), plan.activations.end());

  // Parameters per activation: roots choose a clip range; shared ones copy their root.
  std::map<std::string, ActivationParams> params;
  for (const std::string& name : plan.activations) {
    const std::string root = param_root(plan, name);
    const TensorStats& s = cal.tensors.at(root);
    const MethodChoice c = choose_threshold(s, options.method, options.percentile, options.symmetric_activations);
    const ClipRange r = clip_for_threshold(s, c.threshold);
    const ActivationParams p = activation_params(r.min, r.max, options.symmetric_activations);
    params[name] = p;
    TensorQuantInfo info;
    info.name = name;
    info.method = c.method;
    info.clip_min = r.min;
    info.clip_max = r.max;
    info.scale = p.scale;
    info.zero_point = p.zero_point;
    info.sqnr_db = c.sqnr_db;
    rep.tensors.push_back(info);
  }

  // ONNX added per-axis DequantizeLinear in opset 13.
  int& opset = g.opset_imports[""];
  opset = std::max(opset, 13);

  // Weights (+ bias correction, + int32 bias).
  std::set<const Value*> done_weights;
  for (const Node* cn : plan.compute_nodes) {
    Node* n = const_cast<Node*>(cn);
    rep.quantized_nodes.push_back(n->name);
    if (n->op_type == "Add" || !n->inputs[1]->is_constant()) continue;
    Value* w = n->inputs[1];
    if (done_weights.count(w)) continue;
    done_weights.insert(w);
    const PerChannelWeights q = quantize_weights_per_channel(*w->constant, weight_axis(*n));
    if (options.bias_correction) {
      auto st = cal.tensors.find(n->inputs[0]->name);
      if (st != cal.tensors.end() && !st->second.channel_mean.empty() &&
          correct_bias(g, *n, dequantize_weights(q), st->second.channel_mean))
        ++rep.bias_corrected_nodes;
    }
    insert_weight_dq(g, w, q);
    // int32 bias: only where the integer kernel's bias scale is x_scale * w_scale exactly.
    const bool has_bias = n->has_input(2) && n->inputs[2]->is_constant() && n->inputs[2]->constant->shape().rank() == 1 &&
                          n->inputs[2]->constant->numel() == static_cast<int64_t>(q.scales.size());
    const bool unit_gemm = n->op_type != "Gemm" ||
                           (n->attrs.get_float("alpha", 1.0f) == 1.0f && n->attrs.get_float("beta", 1.0f) == 1.0f);
    if (has_bias && unit_gemm && quantized.count(n->inputs[0]->name)) {
      const float x_scale = params.at(n->inputs[0]->name).scale;
      insert_bias_dq(g, n->inputs[2], x_scale, q.scales);
    }
  }
  for (const std::string& f : plan.float_nodes) rep.float_nodes.push_back(f);

  // Activations last: their Q/DQ wrap values whose producers are final now.
  for (const std::string& name : plan.activations) {
    Value* v = g.find_value(name);
    WISP_ASSERT(v != nullptr);
    insert_activation_qdq(g, v, params.at(name));
  }
  g.sort_topologically();
  g.erase_unused_values();
  rep.weight_bytes_after = constant_bytes(g);
  return m;
}

}  // namespace wisp::quant
