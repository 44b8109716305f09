// MatMul(A, DequantizeLinear(B_int4, scale, axis 0, block_size)) -> MatMulInt4(A, B_int4,
// scale) (com.wisp): the weight-only INT4 form quant::quantize_weights_int4 writes (and
// other tools' opset-21 blocked INT4 models) runs on a kernel that unpacks the 4-bit
// weights into its GEMM instead of folding them into a float32 copy at prepare.
// Conditions: B_int4 a 2-D INT4/UINT4 constant, scale a float32 constant [ceil(K/b), N],
// no zero point (A is float32: MatMul's operands share a type). The DequantizeLinear goes once nothing reads it.
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {

bool fuse_int4_matmul(Graph& g) {
  bool changed = false;
  for (const auto& np : g.nodes()) {
    Node& mm = *np;
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.inputs.size() != 2) continue;
    Node* dq = mm.inputs[1] ? mm.inputs[1]->producer : nullptr;
    if (!dq || dq->op_type != "DequantizeLinear" || !dq->domain.empty() || dq->has_input(2)) continue;
    const Tensor* q = constant_of(dq->inputs[0]);
    const Tensor* scale = constant_of(dq->inputs[1]);
    const int64_t block = dq->attrs.get_int("block_size", 0);
    if (!q || !scale || !dtype_is_4bit(q->dtype()) || q->shape().rank() != 2 || scale->dtype() != DType::kF32 ||
        block <= 0 || dq->attrs.get_int("axis", 1) != 0)
      continue;
    if (!(scale->shape() == Shape{(q->shape()[0] + block - 1) / block, q->shape()[1]})) continue;
    mm.op_type = "MatMulInt4";
    mm.domain = "com.wisp";
    mm.inputs = {mm.inputs[0], dq->inputs[0], dq->inputs[1]};
    mm.attrs = Attributes{};
    mm.attrs.set_int("block_size", block);
    changed = true;
  }
  if (changed) eliminate_dead_nodes(g);
  return changed;
}

}  // namespace wisp::passes
