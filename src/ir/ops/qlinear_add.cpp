// QLinearAdd (domain com.microsoft, ONNX Runtime's QOperator Add): A, A_scale, A_zp, B,
// B_scale, B_zp, C_scale, C_zp -> C, all three 8-bit tensors of one type (uint8 or int8),
// per-tensor constant scales and zero points, NumPy broadcasting. Wisp computes it in
// fixed point (kernels/ref/qadd.hpp), optionally clamped to [wisp_qmin, wisp_qmax] (a
// fused Relu/Clip, set by passes/fuse_qdq_add.cpp).
#include <algorithm>

#include "ir/ops/infer_util.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "kernels/ref/qadd.hpp"

namespace wisp {
namespace {

double scalar_input(InferContext& ctx, int i, const char* what) {
  const TensorView& v = ctx.require_input_value(i, what);
  if (v.numel() != 1) ctx.fail_unsupported(str_cat(what, " must be one value (per tensor), got ", v.shape.str()));
  return element_as_double(v, 0);
}

void infer_qlinear_add(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8});
  const DType t = ctx.input_dtype(0);
  if (ctx.input_dtype(3) != t) ctx.fail_invalid(str_cat("B must have A's type ", dtype_name(t)));
  for (int i : {2, 5, 7})
    if (ctx.has_input(i) && ctx.input_dtype(i) != t)
      ctx.fail_invalid(str_cat("input ", i, " (a zero point) must have A's type ", dtype_name(t)));
  ref::QAddParams& p = ctx.params<ref::QAddParams>();
  const double sa = scalar_input(ctx, 1, "A_scale"), sb = scalar_input(ctx, 4, "B_scale");
  const double sy = scalar_input(ctx, 6, "C_scale");
  p.a_zp = ctx.has_input(2) ? static_cast<int32_t>(scalar_input(ctx, 2, "A_zero_point")) : 0;
  p.b_zp = ctx.has_input(5) ? static_cast<int32_t>(scalar_input(ctx, 5, "B_zero_point")) : 0;
  p.y_zp = ctx.has_input(7) ? static_cast<int32_t>(scalar_input(ctx, 7, "C_zero_point")) : 0;
  if (!(sy > 0) || !(sa >= 0) || !(sb >= 0) || sa / sy >= 1 << 30 || sb / sy >= 1 << 30)
    ctx.fail_invalid(str_cat("scales out of range: A ", sa, ", B ", sb, ", C ", sy));
  ref::set_qadd_multipliers(sa / sy, sb / sy, p);
  const bool s8 = t == DType::kI8;
  p.qmin = static_cast<int32_t>(std::max<int64_t>(s8 ? -128 : 0, ctx.attrs().get_int(kQMinAttr, -128)));
  p.qmax = static_cast<int32_t>(std::min<int64_t>(s8 ? 127 : 255, ctx.attrs().get_int(kQMaxAttr, 255)));
  if (p.qmin > p.qmax) ctx.fail_invalid(str_cat("wisp_qmin ", p.qmin, " > wisp_qmax ", p.qmax));
  const Shape out = broadcast_shapes(ctx.input_shape(0), ctx.input_shape(3), ctx.node().label());
  ctx.set_output(0, t, out);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "QLinearAdd", .domain = "com.microsoft", .min_inputs = 7, .max_inputs = 8,
                  .infer = infer_qlinear_add, .inplace_input = 0});

}  // namespace wisp
