// MatMul + Add -> Gemm: Y = A x B + c, with A 2-D, B a 2-D constant and c a constant bias of
// shape [N] or [1, N], is Gemm(A, B, c) (alpha = beta = 1). The MatMul node becomes the Gemm
// and takes over the Add's output; the activation fusion can then fuse what follows.
// A's rank must be known to be 2: declared/inferred by the importer, or A from Flatten.
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

bool is_2d(const Value* v) {
  if (v->shape) return v->shape->size() == 2;
  return v->producer && v->producer->op_type == "Flatten" && v->producer->domain.empty();
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& add = *np;
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || !add.has_output(0)) continue;
    for (size_t side = 0; side < 2; ++side) {
      Value* prod = add.inputs[side];
      const Tensor* c = constant_of(add.inputs[1 - side]);
      Node* mm = prod ? prod->producer : nullptr;
      if (!c || !mm || mm->op_type != "MatMul" || !mm->domain.empty() || !uses.single_use(prod)) continue;
      const Tensor* b = constant_of(mm->inputs[1]);
      if (!b || !dtype_is_float(b->dtype()) || b->shape().rank() != 2 || c->dtype() != b->dtype()) continue;
      if (!is_2d(mm->inputs[0])) continue;
      const int64_t n = b->shape()[1];
      const Shape& cs = c->shape();
      if (!(cs == Shape{n} || cs == Shape{1, n})) continue;
      mm->op_type = "Gemm";
      mm->inputs.push_back(add.inputs[1 - side]);
      take_over_output(*mm, 0, add.outputs[0]);
      remove_nodes(g, {&add});
      return true;
    }
  }
  return false;
}

}  // namespace

bool fuse_matmul_add(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
