// Dynamic quantization (`wisp optimize --dynamic`), ORT's "QDQ with dynamic activations":
//  - MatMul / Gemm with a constant 2-D weight: weight per-channel int8 (DQ on the weight as
//    in static PTQ), activation A quantized per run by
//        DynamicQuantizeLinear(A_float) -> (A_quantized, A_scale, A_zero_point)
//        DequantizeLinear(A_quantized, A_scale, A_zero_point) -> A
//    (uint8, range from this run's min/max, so no calibration data is needed);
//  - LSTM / GRU / RNN: W and R become int8 per-channel (axis 1: one scale per gate row) with
//    DequantizeLinear. The recurrence itself stays float: a Session folds the constant DQ
//    at prepare, so this shrinks the file 4x but not the compute. Integer recurrent
//    kernels are future work.
#include <algorithm>
#include <set>

#include "core/status.hpp"
#include "quant/model_prep.hpp"
#include "quant/qdq_rewrite.hpp"

namespace wisp::quant {
namespace {

bool const_f32(const Value* v, int rank) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32 && v->constant->shape().rank() == rank;
}

int64_t constant_bytes(const Graph& g) {
  int64_t b = 0;
  for (const auto& v : g.values())
    if (v->is_constant()) b += v->constant->bytes();
  return b;
}

void insert_dynamic_qdq(Graph& g, Value* x) {
  const std::string base = x->name;
  Value* xq = g.add_value(g.unique_name(base + "_quantized"));
  xq->dtype = DType::kU8;
  xq->shape = x->shape;
  Value* scale = g.add_value(g.unique_name(base + "_scale"));
  scale->dtype = DType::kF32;
  scale->shape = SymShape{};
  Value* zero = g.add_value(g.unique_name(base + "_zero_point"));
  zero->dtype = DType::kU8;
  zero->shape = SymShape{};
  Value* src = x;
  Value* dst = x;
  if (std::find(g.inputs.begin(), g.inputs.end(), x) != g.inputs.end()) {
    dst = g.add_value(g.unique_name(base + "_dequantized"));
    dst->dtype = DType::kF32;
    dst->shape = x->shape;
    for (const auto& n : g.nodes())
      for (Value*& in : n->inputs)
        if (in == x) in = dst;
  } else {
    Node* producer = x->producer;
    WISP_ASSERT(producer != nullptr);
    src = g.add_value(g.unique_name(base + "_float"));
    src->dtype = DType::kF32;
    src->shape = x->shape;
    src->producer = producer;
    src->producer_output = x->producer_output;
    producer->outputs[static_cast<size_t>(x->producer_output)] = src;
    x->producer = nullptr;
    x->producer_output = -1;
  }
  g.add_node("DynamicQuantizeLinear", base + "_DynamicQuantizeLinear", {src}, {xq, scale, zero});
  g.add_node("DequantizeLinear", base + "_DequantizeLinear", {xq, scale, zero}, {dst});
}

}  // namespace

std::shared_ptr<Model> quantize_dynamic(const Model& float_model, QuantizeReport* report) {
  std::shared_ptr<Model> m = prepare_float_model(float_model);
  Graph& g = m->graph;
  QuantizeReport local;
  QuantizeReport& rep = report ? *report : local;
  rep = QuantizeReport{};
  rep.weight_bytes_before = constant_bytes(g);
  int& opset = g.opset_imports[""];
  opset = std::max(opset, 13);
  std::set<const Value*> done_weights, done_acts;
  std::vector<Node*> nodes;
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  for (Node* n : nodes) {
    if (!n->domain.empty()) continue;
    const std::string& op = n->op_type;
    // A weight shared by several nodes (exporters dedupe identical initializers) is
    // quantized once; later readers see its DequantizeLinear output.
    const bool weight_ok = n->has_input(1) && (const_f32(n->inputs[1], 2) || done_weights.count(n->inputs[1]));
    if ((op == "MatMul" || op == "Gemm") && weight_ok && n->inputs[0] &&
        !n->inputs[0]->is_constant() && n->attrs.get_int("transA", 0) == 0) {
      Value* w = n->inputs[1];
      if (!done_weights.count(w)) {
        const int axis = op == "Gemm" && n->attrs.get_int("transB", 0) ? 0 : 1;
        insert_weight_dq(g, w, quantize_weights_per_channel(*w->constant, axis));
        done_weights.insert(w);
      }
      if (!done_acts.count(n->inputs[0])) {
        done_acts.insert(n->inputs[0]);
        insert_dynamic_qdq(g, n->inputs[0]);
      }
      rep.quantized_nodes.push_back(n->name);
    } else if (op == "LSTM" || op == "GRU" || op == "RNN") {
      for (size_t i : {size_t{1}, size_t{2}}) {
        Value* w = n->has_input(i) ? n->inputs[i] : nullptr;
        if (!const_f32(w, 3) || done_weights.count(w)) continue;
        insert_weight_dq(g, w, quantize_weights_per_channel(*w->constant, 1));
        done_weights.insert(w);
      }
      rep.quantized_nodes.push_back(n->name + " (weights only)");
    } else if (op == "MatMul" || op == "Gemm") {
      rep.float_nodes.push_back(n->name + (n->has_input(1) && !n->inputs[1]->is_constant() ? " (activation x activation: float in dynamic mode)" : " (weight not a 2-D float constant)"));
    }
  }
  g.sort_topologically();
  g.erase_unused_values();
  rep.weight_bytes_after = constant_bytes(g);
  return m;
}

}  // namespace wisp::quant
