// Implicit inputs of control-flow nodes (If, Loop, Scan).
//
// A subgraph may read values of the enclosing graphs by name (Graph::outer_refs). In the IR
// those reads become ordinary inputs of the node that owns the subgraph, appended after
// its ONNX inputs ("implicit inputs", as ONNX Runtime calls them), so that:
//   - the topological sort orders the node after the producers of what its bodies read,
//   - the memory planner keeps those values alive until the node has run,
//   - the node's infer and kernel see them as ordinary inputs (shapes, and data when known).
// The attribute kExplicitInputsAttr records how many inputs are the op's own; the rest are
// implicit, matched to the subgraphs' outer references by value name. Nested subgraphs need
// nothing extra: the importer gives every graph between a use and its definition a
// placeholder (and an outer_refs entry), so each level's node lists the name in turn.
#pragma once
#include "ir/graph.hpp"

namespace wisp {

inline constexpr const char* kExplicitInputsAttr = "wisp_explicit_inputs";

// Appends to `node` (in `graph`) one input per distinct outer reference of its GRAPH
// attributes, resolved by name in `graph`, and sets kExplicitInputsAttr. Idempotent.
// Throws kInvalidModel naming the node when a name is not defined in `graph`.
void append_implicit_inputs(Graph& graph, Node& node);

// The number of the node's own inputs (all of them when the attribute is absent).
int explicit_input_count(const Node& node);

}  // namespace wisp
