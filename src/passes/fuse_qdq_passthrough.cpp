// QDQ pass-through: DQ(x_q) -> MaxPool | Reshape | Flatten | Squeeze | Unsqueeze |
// Transpose -> Q with the same scale, zero point and type becomes the op on x_q itself.
// Exact: these ops only select or move values, and max commutes with the monotone
// dequantize/quantize pair (Q(DQ(v)) = v for the same parameters), so the integer graph
// computes bit for bit what the QDQ simulation does, without a float round trip.
#include "passes/fuse_qdq_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

bool is_pass_through(const Node& n) {
  static const char* const kOps[] = {"MaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"};
  if (!n.domain.empty() || !n.has_input(0) || !n.has_output(0)) return false;
  if (n.op_type == "MaxPool" && n.has_output(1)) return false;  // Indices output: leave it
  for (const char* op : kOps)
    if (n.op_type == op) return true;
  return false;
}

bool fuse_one(Graph& g, const UseMap& uses, Node& n) {
  if (!is_pass_through(n)) return false;
  const std::optional<QdqParams> x = per_tensor_dq(n.inputs[0]);
  if (!x) return false;
  Node* next = uses.single_use(n.outputs[0]) ? uses.uses(n.outputs[0])[0].node : nullptr;
  const std::optional<QdqParams> y = per_tensor_q(next);
  if (!y || !same_qparams(*x, *y)) return false;
  n.inputs[0] = x->q;
  take_over_output(n, 0, y->q);
  remove_nodes(g, {y->node});
  return true;
}

}  // namespace

bool fuse_qdq_passthrough(Graph& g) {
  bool changed = rewrite_until_no_match(g, fuse_one);
  return changed;
}

}  // namespace wisp::passes
