// QDQ Add fusion: Add(DQ(a_q), DQ(b_q)) [-> Relu | Clip] -> Q -> y_q becomes
// QLinearAdd(a_q, a_scale, a_zp, b_q, b_scale, b_zp, y_scale, y_zp) (domain com.microsoft,
// fixed point: kernels/ref/qadd.hpp) with the activation as [wisp_qmin, wisp_qmax] -- the
// residual Add of a quantized ResNet / MobileNetV2 block stays in integers between the
// integer Convs. Conditions: per-tensor constant parameters, a, b and y of one 8-bit
// type, the Add's (and activation's) float output read only by the next node.
#include "ir/ops/qgemm_infer.hpp"
#include "passes/fuse_qdq_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

bool fuse_add(Graph& g, const UseMap& uses, Node& add) {
  if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || !add.has_input(0) ||
      !add.has_input(1) || !add.has_output(0))
    return false;
  const std::optional<QdqParams> a = per_tensor_dq(add.inputs[0]), b = per_tensor_dq(add.inputs[1]);
  if (!a || !b || a->qtype != b->qtype) return false;
  Node* act = activation_after(uses, add.outputs[0]);
  const Value* last = act ? act->outputs[0] : add.outputs[0];
  Node* next = uses.single_use(last) ? uses.uses(last)[0].node : nullptr;
  const std::optional<QdqParams> y = per_tensor_q(next);
  if (!y || y->qtype != a->qtype) return false;
  const bool s8 = y->qtype == DType::kI8;
  int64_t qmin = s8 ? -128 : 0, qmax = s8 ? 127 : 255;
  if (act && !activation_clamp(*act, *y, qmin, qmax)) return false;
  if (qmin > qmax) return false;
  const auto zp_or_zero = [&](Value* zp, const std::string& base) -> Value* {
    return zp ? zp : g.add_constant(g.unique_name(base + "_zero_point"), Tensor(a->qtype, Shape{}));
  };
  std::vector<Value*> ins = {a->q, a->scale, zp_or_zero(a->zero_point, a->q->name),
                             b->q, b->scale, zp_or_zero(b->zero_point, b->q->name),
                             y->scale, zp_or_zero(y->zero_point, y->q->name)};
  Node* fused = g.add_node("QLinearAdd", g.unique_name(add.name + "_int8"), ins, {}, "com.microsoft");
  fused->opset = 1;
  g.opset_imports.try_emplace("com.microsoft", 1);
  if (qmin > (s8 ? -128 : 0)) fused->attrs.set_int(kQMinAttr, qmin);
  if (qmax < (s8 ? 127 : 255)) fused->attrs.set_int(kQMaxAttr, qmax);
  fused->outputs.push_back(nullptr);
  take_over_output(*fused, 0, y->q);
  std::vector<const Node*> dead = {&add, y->node};
  if (act) dead.push_back(act);
  remove_nodes(g, dead);
  g.sort_topologically();
  return true;
}

}  // namespace

bool fuse_qdq_add(Graph& g) {
  bool changed = rewrite_until_no_match(g, fuse_add);
  return changed;
}

}  // namespace wisp::passes
