// Static types and shapes of a graph's values, for passes that need them (the residual
// fusion's same-shape check, the layout pass's eligibility and conversion costs).
// Imported graphs rarely declare intermediate shapes, so they are worked out by running
// each op's shape inference in node order from the graph input shapes; any value it cannot
// settle (data-dependent, unsupported...) counts as unknown.
#pragma once
#include <map>

#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp::passes {

class StaticShapes {
 public:
  // `symbolic_dim`: the size given to symbolic input dims (-1: such inputs stay unknown).
  explicit StaticShapes(const Graph& g, int64_t symbolic_dim = -1);
  // Type and shape of a non-constant value (data null), or null when unknown or constant.
  const TensorView* find(const Value* v) const;

 private:
  const TensorView* input(const Value* v);
  void infer(const Node& n);
  std::map<const Value*, TensorView> views_;
};

}  // namespace wisp::passes
