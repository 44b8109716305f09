// MatMul, MatMulInteger and QLinearMatMul: one shape rule (NumPy matmul), three element
// contracts. MatMulInteger: (a - a_zp) x (b - b_zp) in int32. QLinearMatMul: the same,
// then requantized to y's type with scale a_scale * b_scale / y_scale.
#include "ir/ops/infer_util.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "kernels/ref/matmul.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp {
namespace {

// Fills the params from input shapes a (index ia) and b (ib); returns the output shape.
Shape infer_matmul_shape(InferContext& ctx, int ia, int ib, ref::MatMulParams& p) {
  Shape a = ctx.input_shape(ia), b = ctx.input_shape(ib);
  if (a.rank() == 0 || b.rank() == 0) ctx.fail_invalid("MatMul operands must have rank >= 1");
  const bool a_vec = a.rank() == 1, b_vec = b.rank() == 1;
  if (a_vec) a = Shape{1, a[0]};
  if (b_vec) b = Shape{b[0], 1};
  p.m = a[a.rank() - 2];
  p.k = a[a.rank() - 1];
  p.n = b[b.rank() - 1];
  if (b[b.rank() - 2] != p.k)
    ctx.fail_invalid(str_cat("inner dims differ: A ", ctx.input_shape(ia).str(), " x B ", ctx.input_shape(ib).str()));
  Shape ab, bb;
  for (int i = 0; i < a.rank() - 2; ++i) ab.push_back(a[i]);
  for (int i = 0; i < b.rank() - 2; ++i) bb.push_back(b[i]);
  const Shape batch = broadcast_shapes(ab, bb, ctx.node().label());
  p.batch_rank = batch.rank();
  p.batch_count = batch.numel();
  // Strides of A's and B's batch dims, aligned to the right of the output batch dims.
  int64_t sa = p.m * p.k, sb = p.k * p.n;
  for (int d = batch.rank() - 1; d >= 0; --d) {
    p.batch[d] = batch[d];
    const int da = d - (batch.rank() - ab.rank()), db = d - (batch.rank() - bb.rank());
    const int64_t na = da >= 0 ? ab[da] : 1, nb = db >= 0 ? bb[db] : 1;
    p.a_batch_stride[d] = na == 1 ? 0 : sa;
    p.b_batch_stride[d] = nb == 1 ? 0 : sb;
    sa *= na;
    sb *= nb;
  }
  Shape out = batch;
  if (!a_vec) out.push_back(p.m);
  if (!b_vec) out.push_back(p.n);
  return out;
}

void infer_matmul(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32, DType::kI64,
                            DType::kU32, DType::kU64});
  require_same_dtype(ctx, 0, 1);
  ref::MatMulParams& p = ctx.params<ref::MatMulParams>();
  const Shape out = infer_matmul_shape(ctx, 0, 1, p);
  p.b_constant = ctx.input_value(1) != nullptr;
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (ctx.input_dtype(0) == DType::kF16 || ctx.input_dtype(0) == DType::kBF16)
    ctx.request_scratch(checked_mul(checked_mul(p.m, p.n), 4));  // one float result matrix
}

// A zero point or scale that is a scalar / [1], or one value per row of A (per column of B).
bool check_quant_param(InferContext& ctx, int i, int64_t per, const char* what) {
  if (!ctx.has_input(i)) return false;
  const Shape& s = ctx.input_shape(i);
  if (s.numel() == 1 && s.rank() <= 1) return false;
  if (s.rank() == 1 && s[0] == per) return true;
  ctx.fail_unsupported(str_cat(what, " must be a scalar or have ", per, " values, got shape ", s.str()));
}

void infer_matmul_integer(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8});
  require_dtype_in(ctx, 1, {DType::kU8, DType::kI8});
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("a_zero_point must have A's type");
  if (ctx.has_input(3) && ctx.input_dtype(3) != ctx.input_dtype(1)) ctx.fail_invalid("b_zero_point must have B's type");
  ref::MatMulParams& p = ctx.params<ref::MatMulParams>();
  const Shape out = infer_matmul_shape(ctx, 0, 1, p);
  p.a_per_row = check_quant_param(ctx, 2, p.m, "a_zero_point");
  p.b_per_col = check_quant_param(ctx, 3, p.n, "b_zero_point");
  ctx.set_output(0, DType::kI32, out);
  ctx.request_scratch(checked_mul(checked_add(checked_mul(p.m, p.k), checked_mul(p.k, p.n)), 4));
}

void infer_qlinear_matmul(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8});
  require_dtype_in(ctx, 3, {DType::kU8, DType::kI8});
  require_dtype_in(ctx, 1, {DType::kF32});
  require_dtype_in(ctx, 4, {DType::kF32});
  require_dtype_in(ctx, 6, {DType::kF32});
  if (ctx.input_dtype(2) != ctx.input_dtype(0) || ctx.input_dtype(5) != ctx.input_dtype(3))
    ctx.fail_invalid("zero points must have the type of their matrix");
  ref::QMatMulParams& qp = ctx.params<ref::QMatMulParams>();
  ref::MatMulParams& p = qp.mm;
  const Shape out = infer_matmul_shape(ctx, 0, 3, p);
  qp.fixed_point = ctx.attrs().get_int(kFixedPointAttr, 0) != 0;
  if (ctx.num_inputs() > 8 && !qp.fixed_point)
    ctx.fail_invalid("QLinearMatMul takes 8 inputs; a 9th (int32 bias) is only valid with wisp_fixed_point=1");
  if (qp.fixed_point) {
    // Wisp's integer MatMul (kernels/ref/qgemm.hpp): B a constant 2-D int8 [K, N], symmetric;
    // the optional 9th input an int32 bias [N] (Gemm's, from passes/fuse_qdq_matmul.cpp).
    if (ctx.input_shape(3).rank() != 2) ctx.fail_unsupported("the fixed-point form needs a 2-D B");
    if (ctx.input_shape(1).numel() != 1) ctx.fail_unsupported("the fixed-point form needs a per-tensor a_scale");
    if (ctx.has_input(8) && (ctx.input_dtype(8) != DType::kI32 || ctx.input_shape(8).numel() != p.n))
      ctx.fail_invalid(str_cat("the bias must be int32 with ", p.n, " values"));
    fill_fixed_point(ctx, QGemmInputs{0, 1, 2, 3, 4, 5, 6, 7, 8}, p.n, p.k, /*w_rows_are_k=*/true, qp.q);
    qp.q.channels = p.n;
    ctx.set_output(0, ctx.input_dtype(7), out);
    ctx.request_scratch(qgemm_x86_scratch_bytes(ctx, p.k));
    return;
  }
  const bool a_scale_rows = check_quant_param(ctx, 1, p.m, "a_scale");
  const bool a_zp_rows = check_quant_param(ctx, 2, p.m, "a_zero_point");
  const bool b_scale_cols = check_quant_param(ctx, 4, p.n, "b_scale");
  const bool b_zp_cols = check_quant_param(ctx, 5, p.n, "b_zero_point");
  if (a_scale_rows != a_zp_rows || b_scale_cols != b_zp_cols)
    ctx.fail_unsupported("a scale and its zero point must both be per-tensor or both per-row/column");
  p.a_per_row = a_scale_rows;
  p.b_per_col = b_scale_cols;
  check_quant_param(ctx, 6, 1, "y_scale");
  check_quant_param(ctx, 7, 1, "y_zero_point");
  ctx.set_output(0, ctx.input_dtype(7), out);
  // int32 copies of A and B (zero points removed) and the int32 result matrix.
  ctx.request_scratch(
      checked_mul(checked_add(checked_add(checked_mul(p.m, p.k), checked_mul(p.k, p.n)), checked_mul(p.m, p.n)), 4));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "MatMul", .min_inputs = 2, .max_inputs = 2, .infer = infer_matmul});
WISP_REGISTER_OP({.op_type = "MatMulInteger", .min_inputs = 2, .max_inputs = 4, .infer = infer_matmul_integer});
WISP_REGISTER_OP({.op_type = "QLinearMatMul", .min_inputs = 8, .max_inputs = 9, .infer = infer_qlinear_matmul});

}  // namespace wisp
