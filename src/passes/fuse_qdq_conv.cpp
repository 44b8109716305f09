// QDQ Conv fusion: the integer fast path of a quantized Conv.
//
//   DQ(x_q) -> x ; DQ(W_q, w_scale, 0, axis 0) -> W ; [DQ(b_i32) -> B]
//   Conv(x, W, B) [-> Relu | Clip] -> Q(y_scale, y_zp) -> y_q
//     =>  QLinearConv(x_q, x_scale, x_zp, W_q, w_scale, w_zp, y_scale, y_zp, b_i32)
//         with wisp_fixed_point=1 and [wisp_qmin, wisp_qmax] from the activation,
//
// the node kernels/ref/qgemm.hpp defines (int32 accumulation, fixed-point requantization).
// Imported QLinearConv nodes with int8 symmetric weights get wisp_fixed_point=1 too, so
// QOperator models from other tools take the same kernels (their rounding at exact .5
// ties follows the fixed-point reference, not ONNX's half-to-even: see
// docs/quantization.md). Chains need nothing more: the next Conv's DQ reads the integer
// output directly, so the Q -> DQ pair between two fused nodes is left without readers
// and eliminate_dead_nodes drops it.
//
// Why the activation folds into the clamp: Q(act(v)) = clamp(round(act(v) / s) + zp),
// and Relu / Clip(lo, hi) commute with the monotone rounding, so it equals
// clamp(round(v / s) + zp, q(lo), q(hi)) with q(t) = round(t / s) + zp.
//
// Conditions: per-tensor activations (uint8/int8), int8 weights with zero point 0 per
// tensor or per output channel (axis 0), the bias int32 (its scale x_scale * w_scale, as
// the quantizers emit; otherwise it is re-expressed in that scale) or a float constant,
// the Conv's float output read only by the activation / Q, and constant parameters.
#include <algorithm>
#include <cmath>

#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "passes/fuse_qdq_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

// Weights: DQ(W_q int8 constant, scale constant [1] or [M], zp constant all 0, axis 0).
struct DqWeights {
  Node* node = nullptr;
  Value *q = nullptr, *scale = nullptr, *zero_point = nullptr;
};

std::optional<DqWeights> dq_weights(const Value* w, int64_t out_channels) {
  Node* dq = made_by(w, "DequantizeLinear");
  if (!dq || !dq->has_input(0) || !dq->has_input(1)) return std::nullopt;
  const Tensor* wq = constant_of(dq->inputs[0]);
  const Tensor* scale = constant_of(dq->inputs[1]);
  if (!wq || wq->dtype() != DType::kI8 || !scale || scale->dtype() != DType::kF32) return std::nullopt;
  if (scale->numel() != 1 && (scale->numel() != out_channels || dq->attrs.get_int("axis", 1) != 0))
    return std::nullopt;
  const Tensor* zp = dq->has_input(2) ? constant_of(dq->inputs[2]) : nullptr;
  if (dq->has_input(2) && (!zp || zp->dtype() != DType::kI8 || zp->numel() != scale->numel())) return std::nullopt;
  if (zp)
    for (int64_t i = 0; i < zp->numel(); ++i)
      if (zp->as<int8_t>()[i] != 0) return std::nullopt;
  return DqWeights{dq, dq->inputs[0], dq->inputs[1], dq->has_input(2) ? dq->inputs[2] : nullptr};
}

bool fuse_conv(Graph& g, const UseMap& uses, Node& conv) {
  if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() > 3 || !conv.has_output(0) ||
      conv.attrs.has(kActivationAttr) || conv.attrs.has(kResidualAttr) || !conv.has_input(0) || !conv.has_input(1))
    return false;
  const std::optional<QdqParams> x = per_tensor_dq(conv.inputs[0]);
  if (!x) return false;
  const Tensor* wq_probe = nullptr;
  if (Node* wdq = made_by(conv.inputs[1], "DequantizeLinear"); wdq && wdq->has_input(0))
    wq_probe = constant_of(wdq->inputs[0]);
  if (!wq_probe || wq_probe->shape().rank() < 3) return false;
  const int64_t m = wq_probe->shape()[0];
  const std::optional<DqWeights> w = dq_weights(conv.inputs[1], m);
  if (!w) return false;
  // Walk Conv -> [activation] -> Q through single-use float values.
  Value* y = conv.outputs[0];
  Node* next = uses.single_use(y) ? uses.uses(y)[0].node : nullptr;
  int64_t qmin = -1000, qmax = 1000;
  Node* act = nullptr;
  if (next && next->domain.empty() && (next->op_type == "Relu" || next->op_type == "Clip") && next->has_output(0) &&
      next->inputs[0] == y) {
    act = next;
    next = uses.single_use(act->outputs[0]) ? uses.uses(act->outputs[0])[0].node : nullptr;
  }
  const std::optional<QdqParams> yq = per_tensor_q(next);
  if (!yq) return false;
  qmin = yq->qtype == DType::kI8 ? -128 : 0;
  qmax = yq->qtype == DType::kI8 ? 127 : 255;
  if (act && !activation_clamp(*act, *yq, qmin, qmax)) return false;
  if (qmin > qmax) return false;
  const int64_t k = wq_probe->numel() / std::max<int64_t>(m, 1);
  if (!fits_int32_accumulator(k, 0)) return false;
  Value* bias = nullptr;
  if (conv.has_input(2)) {
    bias = int32_bias(g, conv.inputs[2], x->scale_value, *constant_of(w->scale), m, k);
    if (!bias) return false;
  }
  // ONNX requires the zero points' presence: make absent ones explicit constants.
  const auto zp_or_zero = [&](Value* zp, DType t, const std::string& base) -> Value* {
    if (zp) return zp;
    Tensor z(t, Shape{});
    return g.add_constant(g.unique_name(base + "_zero_point"), std::move(z));
  };
  Value* x_zp = zp_or_zero(x->zero_point, x->qtype, x->q->name);
  Value* w_zp = zp_or_zero(w->zero_point, DType::kI8, w->q->name);
  Value* y_zp = zp_or_zero(yq->zero_point, yq->qtype, yq->q->name);
  std::vector<Value*> ins = {x->q, x->scale, x_zp, w->q, w->scale, w_zp, yq->scale, y_zp};
  if (bias) ins.push_back(bias);
  Value* out = yq->q;
  Node* fused = g.add_node("QLinearConv", g.unique_name(conv.name + "_int8"), ins, {}, "");
  fused->opset = conv.opset;
  for (const auto& [name, a] : conv.attrs.items()) fused->attrs.set(name, a);
  fused->attrs.set_int(kFixedPointAttr, 1);
  if (qmin > (yq->qtype == DType::kI8 ? -128 : 0)) fused->attrs.set_int(kQMinAttr, qmin);
  if (qmax < (yq->qtype == DType::kI8 ? 127 : 255)) fused->attrs.set_int(kQMaxAttr, qmax);
  std::vector<const Node*> dead = {&conv, yq->node};
  if (act) dead.push_back(act);
  fused->outputs.push_back(nullptr);
  take_over_output(*fused, 0, out);
  remove_nodes(g, dead);
  g.sort_topologically();
  return true;
}

// An imported QLinearConv that fits the fixed-point form (int8 weights, zero point 0,
// constant parameters) takes the integer fast path.
bool mark_imported(Node& n) {
  if (n.op_type != "QLinearConv" || !n.domain.empty() || n.attrs.has(kFixedPointAttr) || n.inputs.size() < 8)
    return false;
  for (int i = 1; i < static_cast<int>(n.inputs.size()); ++i)
    if (n.has_input(static_cast<size_t>(i)) && !constant_of(n.inputs[i])) return false;
  const Tensor* wq = constant_of(n.inputs[3]);
  const Tensor* wzp = constant_of(n.inputs[5]);
  if (!wq || wq->dtype() != DType::kI8 || !wzp || wzp->dtype() != DType::kI8) return false;
  for (int64_t i = 0; i < wzp->numel(); ++i)
    if (wzp->as<int8_t>()[i] != 0) return false;
  n.attrs.set_int(kFixedPointAttr, 1);
  return true;
}

}  // namespace

bool fuse_qdq_conv(Graph& g) {
  bool changed = rewrite_until_no_match(g, fuse_conv);
  for (const auto& np : g.nodes()) changed |= mark_imported(*np);
  g.erase_unused_values();  // also constants made for a match that was then given up
  return changed;
}

}  // namespace wisp::passes
