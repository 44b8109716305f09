// Consecutive Transposes: y = Transpose(Transpose(x, p1), p2) is Transpose(x, q) with
// q[i] = p1[p2[i]] (output axis i of the pair reads input axis p1[p2[i]]). When q is the
// identity, y's readers read x and the pair goes (unless y is a graph output; then one
// Transpose with the identity permutation is kept, a copy under y's name). The inner
// Transpose is left to dead-node elimination when nothing else reads it.
// Both permutations must be explicit (the default reverses axes of a rank the graph may not know).
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

bool is_transpose(const Node* n) { return n && n->op_type == "Transpose" && n->domain.empty() && n->attrs.has("perm"); }

bool merge_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& outer = *np;
    if (!is_transpose(&outer) || !outer.has_input(0) || !outer.has_output(0)) continue;
    const Node* inner = outer.inputs[0]->producer;
    if (!is_transpose(inner) || !inner->has_input(0)) continue;
    const std::vector<int64_t> p1 = inner->attrs.get_ints("perm"), p2 = outer.attrs.get_ints("perm");
    if (p1.size() != p2.size()) continue;
    std::vector<int64_t> q;
    bool identity = true, valid = true;
    for (size_t i = 0; i < p2.size() && valid; ++i) {
      valid = p2[i] >= 0 && p2[i] < static_cast<int64_t>(p1.size());
      if (!valid) break;
      q.push_back(p1[static_cast<size_t>(p2[i])]);
      identity &= q.back() == static_cast<int64_t>(i);
    }
    if (!valid) continue;
    Value* x = inner->inputs[0];
    Value* y = outer.outputs[0];
    if (identity && !uses.is_graph_output(y) && uses.uses_replaceable(y)) {
      replace_uses(uses, y, x);
      remove_nodes(g, {&outer});
      return true;
    }
    outer.inputs[0] = x;
    outer.attrs.set_ints("perm", q);
    return true;
  }
  return false;
}

}  // namespace

bool merge_transposes(Graph& g) {
  bool changed = false;
  while (merge_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
