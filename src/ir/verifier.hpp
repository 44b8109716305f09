// The graph verifier: structural invariants every later stage relies on. Run after import
// and after every pass. Throws kInvalidModel naming the first offending node or value.
//
// Checks: nodes are in topological order (every input is a graph input, a constant, an
// outer-scope reference, or produced by an earlier node); every value has at most one
// producer and the producer links are consistent; every op is registered and its input
// and output counts are within the schema's bounds; graph outputs are defined; node
// names are unique; subgraphs (If/Loop/Scan bodies) verify recursively.
#pragma once
#include "ir/graph.hpp"

namespace wisp {

void verify_graph(const Graph& graph);

}  // namespace wisp
