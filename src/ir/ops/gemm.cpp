// Gemm: Y[M, N] = alpha * A' x B' + beta * C (opset 11+: C optional; older forms are the
// same once Gemm-6's `broadcast` attribute is ignored: C always broadcasts here).
#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/gemm_op.hpp"

namespace wisp {
namespace {

void infer_gemm(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32, DType::kI64,
                            DType::kU32, DType::kU64});
  require_same_dtype(ctx, 0, 2);
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.rank() != 2 || b.rank() != 2)
    ctx.fail_invalid(str_cat("A and B must be 2-D, got ", a.str(), " and ", b.str()));
  ref::GemmParams& p = ctx.params<ref::GemmParams>();
  p.trans_a = ctx.attrs().get_int("transA", 0) != 0;
  p.trans_b = ctx.attrs().get_int("transB", 0) != 0;
  p.alpha = ctx.attrs().get_float("alpha", 1.0f);
  p.beta = ctx.attrs().get_float("beta", 1.0f);
  p.epilogue = read_epilogue(ctx);
  if (p.epilogue.act != ref::EpilogueAct::kNone && !dtype_is_float(ctx.input_dtype(0)))
    ctx.fail_invalid(str_cat("a fused activation needs a floating-point Gemm, got ", dtype_name(ctx.input_dtype(0))));
  p.m = p.trans_a ? a[1] : a[0];
  p.k = p.trans_a ? a[0] : a[1];
  p.n = p.trans_b ? b[0] : b[1];
  const int64_t kb = p.trans_b ? b[1] : b[0];
  if (kb != p.k) ctx.fail_invalid(str_cat("inner dims differ: A' is [", p.m, ",", p.k, "], B' is [", kb, ",", p.n, "]"));
  p.b_constant = ctx.input_value(1) != nullptr;
  p.has_c = ctx.has_input(2);
  if (p.has_c) {
    Shape c = ctx.input_shape(2);
    if (c.rank() > 2) ctx.fail_invalid(str_cat("C must have rank <= 2, got ", c.str()));
    while (c.rank() < 2) c = c.rank() == 0 ? Shape{1} : Shape{1, c[0]};
    const bool rows_ok = c[0] == p.m || c[0] == 1, cols_ok = c[1] == p.n || c[1] == 1;
    if (!rows_ok || !cols_ok)
      ctx.fail_invalid(str_cat("C ", ctx.input_shape(2).str(), " does not broadcast to [", p.m, ",", p.n, "]"));
    p.c_row_stride = c[0] == 1 ? 0 : c[1];
    p.c_col_stride = c[1] == 1 ? 0 : 1;
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape{p.m, p.n});
  if (ctx.input_dtype(0) == DType::kF16 || ctx.input_dtype(0) == DType::kBF16)
    ctx.request_scratch(checked_mul(checked_mul(p.m, p.n), 4));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Gemm", .min_inputs = 2, .max_inputs = 3, .infer = infer_gemm});

}  // namespace wisp
