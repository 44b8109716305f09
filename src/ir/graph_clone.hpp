// Deep copy of a graph, for passes that must not touch a shared (immutable) Model.
//
// Values and nodes are new objects in the same order with the same names, types, shapes
// and attributes. Constant data (shared_ptr<const Tensor>) and subgraphs (If/Loop/Scan
// bodies) are shared with the source: both are immutable once imported, and passes
// rewrite the top-level graph only.
#pragma once
#include <memory>

#include "ir/graph.hpp"

namespace wisp {

// Fills `dst`, which must be empty, with a copy of `src`.
void clone_graph_into(const Graph& src, Graph& dst);

// A new Model with a cloned graph and the same ModelInfo.
std::shared_ptr<Model> clone_model(const Model& src);

}  // namespace wisp
