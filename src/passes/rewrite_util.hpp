// What every rewrite pass needs to look at and edit a graph safely: who reads a value,
// whether a value may be renamed away, and the moves that keep producer links right.
#pragma once
#include <map>
#include <optional>
#include <vector>

#include "ir/graph.hpp"

namespace wisp::passes {

struct Use {
  Node* node = nullptr;
  size_t input = 0;
};

// The consumers of every value, in node order. Recompute after editing the graph.
class UseMap {
 public:
  explicit UseMap(const Graph& g);
  const std::vector<Use>& uses(const Value* v) const;
  bool is_graph_output(const Value* v) const;
  // Read by exactly one node input and not a graph output: a producer may be fused into it.
  bool single_use(const Value* v) const { return uses(v).size() == 1 && !is_graph_output(v); }
  // Its uses may be redirected to another value: none of them is a control-flow node's
  // implicit input, which the subgraph binds by name.
  bool uses_replaceable(const Value* v) const;

 private:
  std::map<const Value*, std::vector<Use>> uses_;
  std::vector<const Value*> outputs_;
};

// Points every use of `from` (per `uses`) at `to`.
void replace_uses(const UseMap& uses, const Value* from, Value* to);

// Makes `node` produce `v` as its output `i` instead of its current output (which is left
// without a producer, for erase_unused_values). `v`'s old producer must be gone or be
// removed by the caller.
void take_over_output(Node& node, size_t i, Value* v);

// Removes the given nodes, unlinking their outputs, then the values nothing refers to.
void remove_nodes(Graph& g, const std::vector<const Node*>& dead);

// The element type of a value if the graph knows it (declared, inferred by the importer,
// or a constant's).
DType known_dtype(const Value* v);

// A constant's data, or null when `v` is absent or not a constant.
const Tensor* constant_of(const Value* v);
// A constant holding exactly one element (a scalar or [1]); reads it as double.
std::optional<double> scalar_constant(const Value* v);
// A constant rank-1 int64 tensor's values (Reshape's shape, ...).
std::optional<std::vector<int64_t>> ints_constant(const Value* v);

// The tensor transposed: out axis d is in axis perm[d] (perm valid for its rank).
Tensor permuted_tensor(const Tensor& in, const std::vector<int64_t>& perm);

}  // namespace wisp::passes
