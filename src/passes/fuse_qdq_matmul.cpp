// QDQ MatMul / Gemm fusion: the integer classifier and transformer projections.
//
//   DQ(a_q) -> MatMul(a, DQ(B_q int8 [K, N], zp 0, per tensor / axis 1)) [-> Relu|Clip] -> Q
//   DQ(a_q) -> Gemm(a, DQ(B_q), DQ(bias int32) | float bias) (alpha = beta = 1, no transA;
//              transB=1 takes B [N, K] per tensor / axis 0, transposed here) [-> act] -> Q
//     =>  QLinearMatMul(a_q, a_scale, a_zp, B_q [K, N], b_scale, b_zp, y_scale, y_zp [, bias])
//         with wisp_fixed_point=1 and the activation as [wisp_qmin, wisp_qmax]
//
// (kernels/ref/qgemm.hpp: channel = column of B). Gemm's bias must be 1-D [N] (or [1, N]).
// Imported QLinearMatMul nodes that fit the form (int8 symmetric constant 2-D B) are
// marked wisp_fixed_point=1 as well (their ties then round up, see docs/quantization.md).
#include <cmath>

#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "passes/fuse_qdq_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

// B as int8 [K, N] (transposed from [N, K] when trans_b), its scale [1] or [N], or null.
struct QuantB {
  Value *b = nullptr, *scale = nullptr, *zero_point = nullptr;
  const Tensor* scale_t = nullptr;
};

std::optional<QuantB> quant_b(Graph& g, const Value* w, bool trans_b) {
  Node* dq = made_by(w, "DequantizeLinear");
  if (!dq || !dq->has_input(0) || !dq->has_input(1)) return std::nullopt;
  const Tensor* bq = constant_of(dq->inputs[0]);
  const Tensor* scale = constant_of(dq->inputs[1]);
  if (!bq || bq->dtype() != DType::kI8 || bq->shape().rank() != 2 || !scale || scale->dtype() != DType::kF32)
    return std::nullopt;
  const int64_t n = trans_b ? bq->shape()[0] : bq->shape()[1], k = trans_b ? bq->shape()[1] : bq->shape()[0];
  const int64_t axis = dq->attrs.get_int("axis", 1);
  if (scale->numel() != 1 && (scale->numel() != n || axis != (trans_b ? 0 : 1))) return std::nullopt;
  const Tensor* zp = dq->has_input(2) ? constant_of(dq->inputs[2]) : nullptr;
  if (dq->has_input(2) && (!zp || zp->dtype() != DType::kI8)) return std::nullopt;
  if (zp)
    for (int64_t i = 0; i < zp->numel(); ++i)
      if (zp->as<int8_t>()[i] != 0) return std::nullopt;
  QuantB r;
  r.scale = dq->inputs[1];
  r.scale_t = scale;
  r.zero_point = dq->has_input(2) ? dq->inputs[2] : nullptr;
  if (!trans_b) {
    r.b = dq->inputs[0];
    return r;
  }
  Tensor t(DType::kI8, Shape{k, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) t.as<int8_t>()[j * n + i] = bq->as<int8_t>()[i * k + j];
  r.b = g.add_constant(g.unique_name(dq->inputs[0]->name + "_kn"), std::move(t));
  return r;
}

bool fuse_one(Graph& g, const UseMap& uses, Node& n) {
  const bool gemm = n.op_type == "Gemm";
  if ((!gemm && n.op_type != "MatMul") || !n.domain.empty() || !n.has_input(0) || !n.has_input(1) ||
      !n.has_output(0) || n.attrs.size() > (gemm ? 4u : 0u) || n.attrs.has(kActivationAttr))
    return false;
  if (gemm && (n.attrs.get_float("alpha", 1) != 1 || n.attrs.get_float("beta", 1) != 1 ||
               n.attrs.get_int("transA", 0) != 0))
    return false;
  const std::optional<QdqParams> a = per_tensor_dq(n.inputs[0]);
  if (!a) return false;
  Node* act = activation_after(uses, n.outputs[0]);
  const Value* last = act ? act->outputs[0] : n.outputs[0];
  const std::optional<QdqParams> y = per_tensor_q(uses.single_use(last) ? uses.uses(last)[0].node : nullptr);
  if (!y) return false;
  const bool s8 = y->qtype == DType::kI8;
  int64_t qmin = s8 ? -128 : 0, qmax = s8 ? 127 : 255;
  if ((act && !activation_clamp(*act, *y, qmin, qmax)) || qmin > qmax) return false;
  const std::optional<QuantB> b = quant_b(g, n.inputs[1], gemm && n.attrs.get_int("transB", 0) != 0);
  if (!b) return false;
  const int64_t rows = constant_of(b->b)->shape()[0], cols = constant_of(b->b)->shape()[1];
  if (!fits_int32_accumulator(rows, 0)) return false;
  Value* bias = nullptr;
  if (gemm && n.has_input(2)) {
    bias = int32_bias(g, n.inputs[2], a->scale_value, *b->scale_t, cols, rows);
    if (!bias) return false;
  }
  const auto zp_or_zero = [&](Value* zp, DType t, const std::string& base) -> Value* {
    return zp ? zp : g.add_constant(g.unique_name(base + "_zero_point"), Tensor(t, Shape{}));
  };
  std::vector<Value*> ins = {a->q, a->scale, zp_or_zero(a->zero_point, a->qtype, a->q->name),
                             b->b, b->scale, zp_or_zero(b->zero_point, DType::kI8, b->b->name),
                             y->scale, zp_or_zero(y->zero_point, y->qtype, y->q->name)};
  if (bias) ins.push_back(bias);
  Node* fused = g.add_node("QLinearMatMul", g.unique_name(n.name + "_int8"), ins, {}, "");
  fused->opset = n.opset;
  fused->attrs.set_int(kFixedPointAttr, 1);
  if (qmin > (s8 ? -128 : 0)) fused->attrs.set_int(kQMinAttr, qmin);
  if (qmax < (s8 ? 127 : 255)) fused->attrs.set_int(kQMaxAttr, qmax);
  fused->outputs.push_back(nullptr);
  take_over_output(*fused, 0, y->q);
  std::vector<const Node*> dead = {&n, y->node};
  if (act) dead.push_back(act);
  remove_nodes(g, dead);
  g.sort_topologically();
  return true;
}

// An imported QLinearMatMul (QOperator models) with a constant 2-D int8 B, zero point 0,
// per-tensor A and Y parameters takes the same fixed-point path.
bool mark_imported(Node& n) {
  if (n.op_type != "QLinearMatMul" || !n.domain.empty() || n.attrs.has(kFixedPointAttr) || n.inputs.size() != 8)
    return false;
  for (size_t i = 1; i < 8; ++i)
    if (!n.has_input(i) || !constant_of(n.inputs[i])) return false;
  const Tensor* b = constant_of(n.inputs[3]);
  const Tensor* bz = constant_of(n.inputs[5]);
  if (b->dtype() != DType::kI8 || b->shape().rank() != 2 || bz->dtype() != DType::kI8) return false;
  for (int64_t i = 0; i < bz->numel(); ++i)
    if (bz->as<int8_t>()[i] != 0) return false;
  for (size_t i : {1u, 2u, 6u, 7u})
    if (constant_of(n.inputs[i])->numel() != 1) return false;
  n.attrs.set_int(kFixedPointAttr, 1);
  return true;
}

}  // namespace

bool fuse_qdq_matmul(Graph& g) {
  bool changed = rewrite_until_no_match(g, fuse_one);
  for (const auto& np : g.nodes()) changed |= mark_imported(*np);
  // A match given up after its transposed B or bias constant was made leaves that
  // constant unread: drop it (the graph is then as it was).
  g.erase_unused_values();
  return changed;
}

}  // namespace wisp::passes
