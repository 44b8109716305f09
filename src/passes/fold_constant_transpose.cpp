// Transpose of a constant -> the transposed constant (e.g. a weight exported as W and read
// through Transpose(W) by MatMul). The session would fold it at prepare too; doing it here
// lets later rewrites (MatMul+Add -> Gemm, scale folds) see a constant operand.
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

bool valid_perm(const std::vector<int64_t>& perm, int rank) {
  if (static_cast<int>(perm.size()) != rank) return false;
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[size_t(p)]) return false;
    seen[size_t(p)] = true;
  }
  return true;
}

}  // namespace

bool fold_constant_transpose(Graph& g) {
  const UseMap uses(g);
  std::vector<const Node*> done;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    if (n.op_type != "Transpose" || !n.domain.empty() || !n.has_input(0) || !n.has_output(0)) continue;
    const Tensor* c = constant_of(n.inputs[0]);
    Value* y = n.outputs[0];
    if (!c || uses.is_graph_output(y) || dtype_size(c->dtype()) <= 0 || c->shape().rank() < 1) continue;
    std::vector<int64_t> perm = n.attrs.get_ints("perm");
    if (!n.attrs.has("perm"))
      for (int d = c->shape().rank() - 1; d >= 0; --d) perm.push_back(d);
    if (!valid_perm(perm, c->shape().rank())) continue;
    Tensor t = permuted_tensor(*c, perm);
    y->dtype = t.dtype();
    SymShape s;
    for (int64_t d : t.shape()) s.push_back(SymDim{d, ""});
    y->shape = s;
    y->constant = std::make_shared<const Tensor>(std::move(t));
    y->producer = nullptr;
    y->producer_output = -1;
    done.push_back(&n);
  }
  remove_nodes(g, done);
  return !done.empty();
}

}  // namespace wisp::passes
