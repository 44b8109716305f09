// QuantizeLinear, DequantizeLinear (per tensor or per axis) and DynamicQuantizeLinear.
//   Quantize:   y = saturate(round_half_even(x / scale) + zero_point)
//   Dequantize: y = (x - zero_point) * scale
#include "ir/ops/dequantize_4bit.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/quantize.hpp"

namespace wisp {
namespace {

void infer_quant_layout(InferContext& ctx, int scale_input) {
  const Shape& xs = ctx.input_shape(0);
  const Shape& ss = ctx.input_shape(scale_input);
  if (ctx.attrs().get_int("block_size", 0) != 0) ctx.fail_unsupported("blocked quantization (block_size) is not supported");
  if (ctx.has_input(scale_input + 1) && !(ctx.input_shape(scale_input + 1) == ss))
    ctx.fail_invalid("the zero point must have the scale's shape");
  ref::QuantizeLinearParams& p = ctx.params<ref::QuantizeLinearParams>();
  p.outer = xs.numel();
  if (ss.numel() == 1 && ss.rank() <= 1) return;  // per tensor
  if (ss.rank() != 1) ctx.fail_invalid(str_cat("scale must be a scalar or 1-D, got ", ss.str()));
  const int axis = xs.axis(ctx.attrs().get_int("axis", 1));
  if (ss[0] != xs[axis])
    ctx.fail_invalid(str_cat("per-axis scale has ", ss[0], " values but X has ", xs[axis], " along axis ", axis));
  p.per_axis = true;
  p.outer = xs.numel(0, axis);
  p.axis_dim = xs[axis];
  p.inner = xs.numel(axis + 1, xs.rank());
}

void infer_quantize_linear(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF16, DType::kBF16, DType::kI32});
  require_dtype_in(ctx, 1, {DType::kF32, DType::kF16, DType::kBF16});
  DType out = DType::kU8;
  if (ctx.has_input(2)) {
    require_dtype_in(ctx, 2, {DType::kU8, DType::kI8, DType::kU16, DType::kI16});
    out = ctx.input_dtype(2);
  }
  if (ctx.attrs().has("output_dtype") && ctx.attrs().get_int("output_dtype", 0) != 0 && !ctx.has_input(2))
    ctx.fail_unsupported("output_dtype without a zero point input is not supported");
  infer_quant_layout(ctx, 1);
  ctx.set_output(0, out, ctx.input_shape(0));
}

void infer_dequantize_linear(InferContext& ctx) {
  if (dtype_is_4bit(ctx.input_dtype(0))) return infer_dequantize_linear_4bit(ctx);  // weight-only INT4
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8, DType::kU16, DType::kI16, DType::kI32});
  require_dtype_in(ctx, 1, {DType::kF32, DType::kF16, DType::kBF16});
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0))
    ctx.fail_invalid("x_zero_point must have x's type");
  infer_quant_layout(ctx, 1);
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(0));
}

void infer_dynamic_quantize_linear(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32});
  ctx.set_output(0, DType::kU8, ctx.input_shape(0));
  ctx.set_output(1, DType::kF32, Shape{});
  ctx.set_output(2, DType::kU8, Shape{});
}

}  // namespace

WISP_REGISTER_OP({.op_type = "QuantizeLinear", .min_inputs = 2, .max_inputs = 3, .infer = infer_quantize_linear});
WISP_REGISTER_OP({.op_type = "DequantizeLinear", .min_inputs = 2, .max_inputs = 3, .infer = infer_dequantize_linear});
WISP_REGISTER_OP({.op_type = "DynamicQuantizeLinear", .min_outputs = 3, .max_outputs = 3,
                  .infer = infer_dynamic_quantize_linear});

}  // namespace wisp
