// Transpose(p) -> elementwise ops -> Transpose(q), q o p the identity: the Transposes go.
// An elementwise op commutes with any permutation of its operands' axes, so an op whose
// every tensor operand arrives through the same Transpose(p) can run on the untransposed
// operands with one Transpose(p) after it (k input copies become one). Repeating this sinks
// the Transpose down a chain of elementwise ops until it meets the inverse Transpose, and
// merge_transposes removes the pair (run here too, so the pass stands alone). This is what
// layout conversions leave behind (NCHW -> NHWC -> Relu/Add/Mul... -> NCHW).
//
// A step is taken only when the chain below is known to end in the inverse Transpose
// (each value on the way read by exactly one elementwise op whose other operands are
// Transpose(p) outputs or one-element constants), so no Transpose is moved for nothing.
// One-element constants broadcast the same either way; other constants do not qualify.
#include <set>
#include <string_view>

#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

bool is_elementwise(const Node& n) {
  static const std::set<std::string_view> kOps = {
      "Abs", "Add", "Ceil", "Clip", "Cos", "Div", "Elu", "Erf", "Exp", "Floor", "Gelu", "HardSigmoid", "HardSwish",
      "LeakyRelu", "Log", "Max", "Min", "Mish", "Mul", "Neg", "Pow", "Reciprocal", "Relu", "Round", "Selu",
      "Sigmoid", "Sign", "Sin", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Tanh", "ThresholdedRelu"};
  return n.domain.empty() && n.outputs.size() == 1 && n.has_output(0) && kOps.count(n.op_type) > 0;
}

// Transpose(p)'s output read once, else null.
Node* transpose_with(const Value* v, const std::vector<int64_t>& p, const UseMap& uses) {
  Node* t = made_by(v, "Transpose");
  return t && t->has_input(0) && uses.single_use(v) && t->attrs.get_ints("perm") == p ? t : nullptr;
}

// Every non-null operand of n except `skip` is Transpose(p) output (read once) or a
// one-element constant of rank <= p.size().
bool operands_qualify(const Node& n, const Value* skip, const std::vector<int64_t>& p, const UseMap& uses) {
  for (const Value* in : n.inputs) {
    if (!in || in == skip) continue;
    if (const Tensor* c = constant_of(in)) {
      if (c->numel() != 1 || c->shape().rank() > static_cast<int>(p.size())) return false;
    } else if (!transpose_with(in, p, uses)) {
      return false;
    }
  }
  return true;
}

bool inverse(const std::vector<int64_t>& p, const std::vector<int64_t>& q) {
  if (p.size() != q.size()) return false;
  for (size_t i = 0; i < q.size(); ++i)
    if (q[i] < 0 || q[i] >= int64_t(p.size()) || p[size_t(q[i])] != int64_t(i)) return false;
  return true;
}

// Following single readers down from v through qualifying elementwise ops reaches a
// Transpose that undoes p.
bool ends_in_inverse(const Value* v, const std::vector<int64_t>& p, const UseMap& uses) {
  for (size_t steps = 0; steps < 1000; ++steps) {
    Node* r = only_reader(uses, v);
    if (!r) return false;
    if (r->op_type == "Transpose" && r->domain.empty()) return inverse(p, r->attrs.get_ints("perm"));
    if (!is_elementwise(*r) || !operands_qualify(*r, v, p, uses)) return false;
    v = r->outputs[0];
  }
  return false;
}

bool sink_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& e = *np;
    if (!is_elementwise(e)) continue;
    // p: the permutation of the first transposed operand.
    std::vector<int64_t> p;
    for (const Value* in : e.inputs)
      if (const Node* t = made_by(in, "Transpose"); t && p.empty()) p = t->attrs.get_ints("perm");
    if (p.empty() || !operands_qualify(e, nullptr, p, uses) || !ends_in_inverse(e.outputs[0], p, uses)) continue;
    std::vector<const Node*> moved;
    for (Value*& in : e.inputs)
      if (in && !in->is_constant()) {
        moved.push_back(in->producer);
        in = in->producer->inputs[0];
      }
    Value* y = e.outputs[0];
    if (Node* undo = only_reader_op(uses, y, "Transpose")) {
      // Last step: e takes over the inverse Transpose's output (keeping its name, even as a graph output).
      take_over_output(e, 0, undo->outputs[0]);
      moved.push_back(undo);
      remove_nodes(g, moved);
      return true;
    }
    Value* mid = g.add_value(g.unique_name(y->name + "_untransposed"));
    mid->dtype = y->dtype;
    take_over_output(e, 0, mid);
    Node* t = g.add_node("Transpose", g.unique_name(e.name + "_transpose"), {mid}, {y});
    t->attrs.set_ints("perm", p);
    remove_nodes(g, moved);
    g.sort_topologically();
    return true;
  }
  return false;
}

}  // namespace

bool cancel_transposes_around_elementwise(Graph& g) {
  bool changed = false;
  while (sink_one(g)) changed = true;
  if (changed) {
    merge_transposes(g);
    eliminate_dead_nodes(g);
  }
  return changed;
}

}  // namespace wisp::passes
