#include "quant/quant_plan.hpp"

#include <algorithm>

namespace wisp::quant {
namespace {

bool is_float(const Value* v) { return v && (v->dtype == DType::kF32 || v->dtype == DType::kUndefined); }
bool is_activation(const Value* v) { return is_float(v) && !v->is_constant(); }
bool is_const_float(const Value* v, int rank) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32 &&
         (rank < 0 || v->constant->shape().rank() == rank);
}

std::map<const Value*, std::vector<const Node*>> readers_of(const Graph& g) {
  std::map<const Value*, std::vector<const Node*>> r;
  for (const auto& n : g.nodes())
    for (const Value* v : n->inputs)
      if (v) r[v].push_back(n.get());
  return r;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

bool is_compute_op(const Node& n) {
  return n.domain.empty() && (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul" || n.op_type == "Add");
}

std::string param_root(const QuantPlan& plan, const std::string& name) {
  std::string cur = name;
  for (int guard = 0; guard < 1000; ++guard) {
    auto it = plan.shares.find(cur);
    if (it == plan.shares.end()) return cur;
    cur = it->second;
  }
  return cur;
}

QuantPlan plan_quantization(const Graph& g, const QuantizeOptions& options) {
  QuantPlan plan;
  const auto readers = readers_of(g);
  std::set<const Value*> outputs(g.outputs.begin(), g.outputs.end());
  std::set<const Value*> quantized;
  auto mark = [&](const Value* v) { quantized.insert(v); };
  // The output a compute node's Q goes after: its own, or that of a Relu/Clip (constant
  // bounds) that is its only reader.
  auto effective_output = [&](const Node& n) -> const Value* {
    const Value* out = n.outputs[0];
    auto it = readers.find(out);
    if (it != readers.end() && it->second.size() == 1 && !outputs.count(out)) {
      const Node& r = *it->second[0];
      const bool clip_const = r.op_type == "Clip" && (!r.has_input(1) || r.inputs[1]->is_constant()) &&
                              (!r.has_input(2) || r.inputs[2]->is_constant());
      if (r.domain.empty() && (r.op_type == "Relu" || clip_const)) out = r.outputs[0];
    }
    return out;
  };
  // A node kept float keeps its output float too, even where a quantized reader would
  // otherwise quantize it as its input: that quantization is part of the error the node's
  // sensitivity measured, so mixed precision (--accuracy-budget) must remove it as well.
  std::set<const Value*> forced_float;
  for (const auto& up : g.nodes())
    if (is_compute_op(*up) && contains(options.keep_float, up->name)) forced_float.insert(effective_output(*up));

  for (const auto& up : g.nodes()) {
    const Node& n = *up;
    if (!is_compute_op(n)) continue;
    const bool selected = options.only_nodes.empty() || contains(options.only_nodes, n.name);
    if (!selected) continue;
    if (contains(options.keep_float, n.name)) {
      plan.float_nodes.push_back(n.name + " (--keep-float)");
      continue;
    }
    std::vector<const Value*> acts;
    if (n.op_type == "Conv") {
      if (!is_activation(n.inputs[0]) || !is_const_float(n.inputs[1], -1) ||
          (n.has_input(2) && !is_const_float(n.inputs[2], 1))) {
        plan.float_nodes.push_back(n.name + " (weight not a float constant)");
        continue;
      }
      acts = {n.inputs[0]};
      plan.channel_axis[n.inputs[0]->name] = 1;
    } else if (n.op_type == "Gemm") {
      if (!is_activation(n.inputs[0]) || !is_const_float(n.inputs[1], 2) || n.attrs.get_int("transA", 0) != 0) {
        plan.float_nodes.push_back(n.name + " (B not a float constant, or transA)");
        continue;
      }
      acts = {n.inputs[0]};
      plan.channel_axis[n.inputs[0]->name] = -1;
    } else if (n.op_type == "MatMul") {
      if (is_activation(n.inputs[0]) && is_const_float(n.inputs[1], 2)) {
        acts = {n.inputs[0]};
        plan.channel_axis[n.inputs[0]->name] = -1;
      } else if (is_activation(n.inputs[0]) && is_activation(n.inputs[1])) {
        acts = {n.inputs[0], n.inputs[1]};
      } else {
        plan.float_nodes.push_back(n.name + " (B neither a 2-D float constant nor an activation)");
        continue;
      }
    } else {  // Add of two activations (a residual); Add of a constant stays float
      if (!is_activation(n.inputs[0]) || !is_activation(n.inputs[1])) continue;
      acts = {n.inputs[0], n.inputs[1]};
    }
    for (const Value* a : acts)
      if (!forced_float.count(a)) mark(a);
    const Value* out = effective_output(n);
    if (is_float(out)) mark(out);
    plan.compute_nodes.push_back(&n);
  }

  // Pass-through ops, in graph order so chains propagate.
  if (options.only_nodes.empty()) {
    for (const auto& up : g.nodes()) {
      const Node& n = *up;
      if (!n.domain.empty() || n.outputs.size() != 1 || !n.has_input(0) || contains(options.keep_float, n.name))
        continue;
      const std::string& op = n.op_type;
      const bool same_params = op == "MaxPool" || op == "Reshape" || op == "Flatten" || op == "Transpose" ||
                               op == "Squeeze" || op == "Unsqueeze";
      const bool own_params = op == "AveragePool" || op == "GlobalAveragePool" || op == "Concat";
      if (!same_params && !own_params) continue;
      bool inputs_quantized = quantized.count(n.inputs[0]) > 0;
      if (op == "Concat")
        for (const Value* v : n.inputs) inputs_quantized = inputs_quantized && v && quantized.count(v);
      if (!inputs_quantized || !is_float(n.outputs[0])) continue;
      mark(n.outputs[0]);
      if (same_params) plan.shares[n.outputs[0]->name] = n.inputs[0]->name;
    }
  }

  // Graph order: inputs first, then node outputs as produced.
  for (const Value* v : g.inputs)
    if (quantized.count(v)) plan.activations.push_back(v->name);
  for (const auto& up : g.nodes())
    for (const Value* v : up->outputs)
      if (v && quantized.count(v)) plan.activations.push_back(v->name);
  return plan;
}

}  // namespace wisp::quant
