// A 2-D Transpose feeding a matrix product becomes the product's transA/transB flag, so the
// GEMM kernel reads the operand in place instead of the graph materialising a copy:
//   Gemm(Transpose(A), B)      -> Gemm(A, B, transA = !transA)   (likewise for B)
//   MatMul(A, Transpose(B))    -> Gemm(A, B, transB = 1)          (A and B both 2-D)
//   MatMul(Transpose(A), B)    -> Gemm(A, B, transA = 1)          (A and B both 2-D)
// Only for a Transpose with perm [1, 0] whose output is read by nothing else (otherwise
// the copy is still needed and nothing is gained). A MatMul operand's rank must be known
// to be 2 (declared, a constant, or the transposed side whose perm says so).
#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

// The input of a single-use Transpose(v, perm=[1, 0]), or null.
Value* untransposed(const Value* v, const UseMap& uses) {
  Node* t = made_by(v, "Transpose");
  if (!t || !t->has_input(0) || !uses.single_use(v) || t->attrs.get_ints("perm") != std::vector<int64_t>{1, 0})
    return nullptr;
  return t->inputs[0];
}

bool known_2d(const Value* v) {
  if (const Tensor* c = constant_of(v)) return c->shape().rank() == 2;
  if (v->shape) return v->shape->size() == 2;
  return made_by(v, "Transpose") && made_by(v, "Transpose")->attrs.get_ints("perm").size() == 2;
}

bool fold_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& n = *np;
    const bool gemm = n.op_type == "Gemm", matmul = n.op_type == "MatMul";
    if (!(gemm || matmul) || !n.domain.empty() || n.inputs.size() < 2 || !n.has_input(0) || !n.has_input(1)) continue;
    if (matmul && !(known_2d(n.inputs[0]) && known_2d(n.inputs[1]))) continue;
    for (int side = 0; side < 2; ++side) {
      Value* src = untransposed(n.inputs[size_t(side)], uses);
      if (!src) continue;
      const char* flag = side == 0 ? "transA" : "transB";
      if (matmul) n.op_type = "Gemm";  // MatMul has no attributes of its own; fused epilogue attrs carry over
      n.attrs.set_int(flag, n.attrs.get_int(flag, 0) ? 0 : 1);
      const Node* t = n.inputs[size_t(side)]->producer;
      n.inputs[size_t(side)] = src;
      remove_nodes(g, {t});
      return true;
    }
  }
  return false;
}

}  // namespace

bool fold_transpose_into_gemm(Graph& g) {
  bool changed = false;
  while (fold_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
