// Reshape of a Reshape: Reshape(Reshape(x, s1), s2) is Reshape(x, s2) when s2 is a constant
// without 0 entries (a 0 copies the dimension of Reshape's input, which differs between the
// two forms; allowzero=1 makes 0 a literal size and is fine). -1 is fine: the element count
// is the same. The outer Reshape is pointed at x; the inner one is left to dead-node
// elimination when nothing else reads it.
#include <algorithm>

#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

bool is_reshape(const Node* n) { return n && n->op_type == "Reshape" && n->domain.empty() && n->inputs.size() == 2; }

}  // namespace

bool collapse_reshapes(Graph& g) {
  bool changed = false;
  for (const auto& np : g.nodes()) {
    Node& outer = *np;
    if (!is_reshape(&outer) || !outer.has_input(0)) continue;
    const Node* inner = outer.inputs[0]->producer;
    if (!is_reshape(inner) || !inner->has_input(0)) continue;
    const std::optional<std::vector<int64_t>> s2 = ints_constant(outer.inputs[1]);
    if (!s2) continue;
    if (outer.attrs.get_int("allowzero", 0) == 0 && std::find(s2->begin(), s2->end(), 0) != s2->end()) continue;
    outer.inputs[0] = inner->inputs[0];
    changed = true;
  }
  return changed;
}

}  // namespace wisp::passes
