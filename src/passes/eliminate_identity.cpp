// Identity / Dropout elimination: y = Identity(x) (or inference-mode Dropout) is removed and
// y's readers read x. Graph outputs keep their names: when y is a graph output and x comes
// from a node (and is not itself a graph output), that node is made to produce y directly
// and x's other readers are pointed at y. When x is a graph input, a constant or another
// graph output, the node stays (the output must remain a separate, named value).
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

// Dropout passes data through unchanged unless training_mode is set; its mask must be unread.
bool is_pass_through(const Node& n, const UseMap& uses) {
  if (!n.domain.empty()) return false;
  if (n.op_type == "Identity") return n.has_input(0) && n.has_output(0);
  if (n.op_type != "Dropout" || !n.has_input(0) || !n.has_output(0)) return false;
  if (n.has_output(1) && (!uses.uses(n.outputs[1]).empty() || uses.is_graph_output(n.outputs[1]))) return false;
  if (n.has_input(2)) {
    const std::optional<double> training = scalar_constant(n.inputs[2]);
    if (!training || *training != 0) return false;
  }
  return true;
}

// Tries to remove one pass-through node; returns whether it did.
bool remove_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& n = *np;
    if (!is_pass_through(n, uses)) continue;
    Value* x = n.inputs[0];
    Value* y = n.outputs[0];
    if (!uses.uses_replaceable(y)) continue;
    if (!uses.is_graph_output(y)) {
      replace_uses(uses, y, x);
    } else {
      if (!x->producer || uses.is_graph_output(x) || !uses.uses_replaceable(x)) continue;
      replace_uses(uses, x, y);
      take_over_output(*x->producer, static_cast<size_t>(x->producer_output), y);
      if (!y->shape) y->shape = x->shape;
      if (y->dtype == DType::kUndefined) y->dtype = x->dtype;
    }
    n.outputs[0] = nullptr;  // y now belongs to x's producer (or is unread)
    if (n.has_output(1)) n.outputs[1]->producer = nullptr;
    y->producer = y->producer == &n ? nullptr : y->producer;
    remove_nodes(g, {&n});
    return true;
  }
  return false;
}

}  // namespace

bool eliminate_identity(Graph& g) {
  bool changed = false;
  while (remove_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
