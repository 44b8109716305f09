// Dead-node elimination: a node whose outputs are neither read by another node nor graph
// outputs does not contribute to the result. One backward sweep finds whole dead chains:
// by the time a node is visited, every reader after it has already been decided.
#include <set>

#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {

bool eliminate_dead_nodes(Graph& g) {
  std::set<const Value*> live(g.outputs.begin(), g.outputs.end());
  std::vector<const Node*> dead;
  const auto& nodes = g.nodes();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const Node& n = **it;
    bool used = false;
    for (const Value* v : n.outputs) used |= v && live.count(v);
    if (!used) {
      dead.push_back(&n);
      continue;
    }
    for (const Value* v : n.inputs)
      if (v) live.insert(v);
  }
  const size_t values_before = g.values().size();
  remove_nodes(g, dead);
  if (dead.empty()) g.erase_unused_values();  // constants left unread by import or earlier passes
  return !dead.empty() || g.values().size() != values_before;
}

}  // namespace wisp::passes
