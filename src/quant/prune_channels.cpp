// Structured channel pruning. For each Conv (group 1, constant weight read by it alone):
//   1. rank its output channels by the L1 norm of their filters and keep the largest
//      round(C * (1 - ratio)) (at least one), in their original order;
//   2. walk the channels from the Conv's output through every reader (plan_value below),
//      collecting the rewrites (slices of constants, new group counts, new shapes) without
//      touching the graph: any reader the walk does not understand abandons the layer;
//   3. only when the whole walk succeeded, apply the rewrites.
// Layers are pruned one after another on the already-pruned graph, so a Conv whose input
// channels were just cut ranks its output channels on its sliced weight.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "core/status.hpp"
#include "quant/prune_channels.hpp"

namespace wisp::quant {
namespace {

using Uses = std::map<const Value*, std::vector<std::pair<Node*, int>>>;

Uses collect_uses(const Graph& g) {
  Uses uses;
  for (const auto& n : g.nodes())
    for (size_t i = 0; i < n->inputs.size(); ++i)
      if (n->inputs[i]) uses[n->inputs[i]].push_back({n.get(), static_cast<int>(i)});
  return uses;
}

// The entries `keep` of `axis` (any element type with a byte size).
Tensor take(const Tensor& t, int axis, const std::vector<int64_t>& keep) {
  Shape s = t.shape();
  const int64_t dim = s[axis];
  s[axis] = static_cast<int64_t>(keep.size());
  Tensor out(t.dtype(), s);
  const int64_t outer = t.shape().numel(0, axis);
  const size_t inner = static_cast<size_t>(t.shape().numel(axis + 1, t.shape().rank()) * dtype_size(t.dtype()));
  const auto* src = static_cast<const std::byte*>(t.data());
  auto* dst = static_cast<std::byte*>(out.data());
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < keep.size(); ++k)
      std::memcpy(dst + (static_cast<size_t>(o) * keep.size() + k) * inner,
                  src + (static_cast<size_t>(o * dim + keep[k])) * inner, inner);
  return out;
}

void set_constant(Value* v, Tensor t) {
  SymShape s;
  for (int64_t d : t.shape()) s.push_back(SymDim{d, ""});
  v->shape = s;
  v->constant = std::make_shared<const Tensor>(std::move(t));
}

void set_dim1(Value* v, int64_t d) {
  if (v->shape && v->shape->size() >= 2) (*v->shape)[1] = SymDim{d, ""};
}

bool passes_channels(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus",
      "Mish", "Gelu", "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};
  return kOps.count(op) > 0;
}

struct Plan {
  std::vector<std::function<void()>> edits;
  std::string why_not;  // set when the walk gave up
};

// A constant read by this (node, input) and nothing else, or null.
Value* own_constant(const Uses& uses, const Node& n, int i) {
  if (!n.has_input(static_cast<size_t>(i))) return nullptr;
  Value* v = n.inputs[static_cast<size_t>(i)];
  if (!v->is_constant()) return nullptr;
  auto it = uses.find(v);
  return it != uses.end() && it->second.size() == 1 ? v : nullptr;
}

bool plan_value(const Graph& g, const Uses& uses, Value* v, int64_t channels, const std::vector<int64_t>& keep,
                Plan& plan);

// Flatten(axis 1) of [N, C, ...] followed by Gemm/MatMul with constant weights: the
// weight rows of channel c are c*inner .. c*inner + inner - 1, inner = K / C (the spatial
// size, read off the weight so no shape inference is needed).
bool plan_flatten(const Uses& uses, Node& flat, int64_t channels, const std::vector<int64_t>& keep, Plan& plan) {
  if (flat.attrs.get_int("axis", 1) != 1) return (plan.why_not = str_cat(flat.label(), " does not flatten at axis 1"), false);
  Value* out = flat.outputs[0];
  auto it = uses.find(out);
  if (it == uses.end()) return (plan.why_not = str_cat(flat.label(), "'s output is a graph output"), false);
  int64_t flat_size = -1;
  for (auto [reader, idx] : it->second) {
    const bool gemm = reader->op_type == "Gemm" && reader->attrs.get_int("transA", 0) == 0;
    Value* w = own_constant(uses, *reader, 1);
    if (idx != 0 || !(gemm || reader->op_type == "MatMul") || !w || w->constant->shape().rank() != 2) {
      plan.why_not = str_cat(flat.label(), " feeds ", reader->label(), ", not a Gemm/MatMul with its own constant weight");
      return false;
    }
    const int axis = gemm && reader->attrs.get_int("transB", 0) ? 1 : 0;
    const int64_t k = w->constant->shape()[axis];
    if (k % channels != 0) return (plan.why_not = str_cat(reader->label(), ": K is not a multiple of the channels"), false);
    const int64_t inner = k / channels;
    std::vector<int64_t> rows;
    for (int64_t c : keep)
      for (int64_t j = 0; j < inner; ++j) rows.push_back(c * inner + j);
    flat_size = static_cast<int64_t>(rows.size());
    plan.edits.push_back([w, axis, rows] { set_constant(w, take(*w->constant, axis, rows)); });
  }
  plan.edits.push_back([out, flat_size] { set_dim1(out, flat_size); });
  return true;
}

// Every reader of `v` (channels on axis 1) must accept losing the channels not in `keep`.
bool plan_value(const Graph& g, const Uses& uses, Value* v, int64_t channels, const std::vector<int64_t>& keep,
                Plan& plan) {
  if (std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end())
    return (plan.why_not = str_cat("'", v->name, "' is a graph output"), false);
  const int64_t kept = static_cast<int64_t>(keep.size());
  plan.edits.push_back([v, kept] { set_dim1(v, kept); });
  auto it = uses.find(v);
  if (it == uses.end()) return true;
  for (const auto& use : it->second) {
    // Plain variables, not a structured binding: clang 14 (the fuzz build) cannot capture
    // a binding in the edit lambdas below.
    Node* n = use.first;
    const auto idx = use.second;
    const std::string& op = n->op_type;
    if (idx != 0 || !n->domain.empty()) return (plan.why_not = str_cat("read by ", n->label(), " as input ", idx), false);
    if (passes_channels(op)) {
      if (n->has_output(1) && uses.count(n->outputs[1]))
        return (plan.why_not = str_cat(n->label(), " has a second output in use"), false);
      if (!plan_value(g, uses, n->outputs[0], channels, keep, plan)) return false;
    } else if (op == "BatchNormalization") {
      for (int i = 1; i <= 4; ++i) {
        Value* p = own_constant(uses, *n, i);
        if (!p || p->constant->numel() != channels)
          return (plan.why_not = str_cat(n->label(), ": statistics are not per-channel constants of its own"), false);
        plan.edits.push_back([p, keep] { set_constant(p, take(*p->constant, 0, keep)); });
      }
      if (!plan_value(g, uses, n->outputs[0], channels, keep, plan)) return false;
    } else if (op == "Conv") {
      Value* w = own_constant(uses, *n, 1);
      if (!w) return (plan.why_not = str_cat(n->label(), ": weight is not a constant of its own"), false);
      const int64_t group = n->attrs.get_int("group", 1);
      const Shape& ws = w->constant->shape();
      if (group == 1 && ws[1] == channels) {
        plan.edits.push_back([w, keep] { set_constant(w, take(*w->constant, 1, keep)); });
      } else if (group == channels && ws[0] == channels && ws[1] == 1) {  // depthwise, multiplier 1
        Value* b = n->has_input(2) ? own_constant(uses, *n, 2) : nullptr;
        if (n->has_input(2) && !b) return (plan.why_not = str_cat(n->label(), ": bias is shared"), false);
        plan.edits.push_back([n, w, b, keep] {
          set_constant(w, take(*w->constant, 0, keep));
          if (b) set_constant(b, take(*b->constant, 0, keep));
          n->attrs.set_int("group", static_cast<int64_t>(keep.size()));
        });
        if (!plan_value(g, uses, n->outputs[0], channels, keep, plan)) return false;
      } else {
        return (plan.why_not = str_cat(n->label(), " is a grouped Conv (group ", group, ")"), false);
      }
    } else if (op == "Flatten") {
      if (!plan_flatten(uses, *n, channels, keep, plan)) return false;
    } else {
      return (plan.why_not = str_cat("read by ", n->label(), " (residual or other multi-branch use)"), false);
    }
  }
  return true;
}

}  // namespace

void prune_conv_channels(Graph& g, double ratio, std::vector<PruneLayer>& layers) {
  std::vector<Node*> convs;
  for (const auto& n : g.nodes())
    if (n->domain.empty() && n->op_type == "Conv" && n->attrs.get_int("group", 1) == 1) convs.push_back(n.get());
  for (Node* conv : convs) {
    const Uses uses = collect_uses(g);  // earlier layers changed the graph's constants
    PruneLayer layer{conv->name, 0, 0, ""};
    Value* w = own_constant(uses, *conv, 1);
    if (!w || w->constant->dtype() != DType::kF32) {
      layer.skipped = "weight is not a float32 constant of its own";
      layers.push_back(layer);
      continue;
    }
    const Tensor& wt = *w->constant;
    const int64_t channels = wt.shape()[0], per = wt.numel() / std::max<int64_t>(channels, 1);
    layer.before = layer.after = channels;
    Value* b = conv->has_input(2) ? own_constant(uses, *conv, 2) : nullptr;
    if (conv->has_input(2) && !b) {
      layer.skipped = "bias is shared";
      layers.push_back(layer);
      continue;
    }
    const int64_t kept = std::max<int64_t>(1, std::llround(static_cast<double>(channels) * (1.0 - ratio)));
    if (kept >= channels) {
      layers.push_back(layer);
      continue;
    }
    std::vector<double> l1(static_cast<size_t>(channels), 0.0);
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < per; ++i) l1[static_cast<size_t>(c)] += std::fabs(wt.as<float>()[c * per + i]);
    std::vector<int64_t> order(static_cast<size_t>(channels));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t c) { return l1[static_cast<size_t>(a)] > l1[static_cast<size_t>(c)]; });
    std::vector<int64_t> keep(order.begin(), order.begin() + kept);
    std::sort(keep.begin(), keep.end());
    Plan plan;
    if (!plan_value(g, uses, conv->outputs[0], channels, keep, plan)) {
      layer.skipped = plan.why_not;
      layers.push_back(layer);
      continue;
    }
    set_constant(w, take(wt, 0, keep));
    if (b) set_constant(b, take(*b->constant, 0, keep));
    for (auto& edit : plan.edits) edit();
    layer.after = kept;
    layers.push_back(layer);
  }
}

}  // namespace wisp::quant
