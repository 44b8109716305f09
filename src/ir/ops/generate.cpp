// OneHot, Range, EyeLike.
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/generate.hpp"

namespace wisp {
namespace {

void infer_one_hot(InferContext& ctx) {
  auto& p = ctx.params<ref::OneHotParams>();
  p.axis = ctx.attrs().get_int("axis", -1);
  if (ctx.input_shape(2).numel() != 2) ctx.fail_invalid("values must have two elements [off, on]");
  resolve_axis(ctx, p.axis, ctx.input_shape(0).rank() + 1);
  const TensorView* depth = ctx.input_value(1);
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(2), depth != nullptr,
                                      [&] { return ref::one_hot_shape(ctx.input_shape(0), *depth, p.axis); });
}

void infer_range(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kI16, DType::kI32, DType::kI64});
  require_same_dtype(ctx, 0, 2);
  const TensorView *s = ctx.input_value(0), *l = ctx.input_value(1), *d = ctx.input_value(2);
  ctx.params<ref::RangeParams>().dynamic = !set_output_from_values(
      ctx, 0, ctx.input_dtype(0), s && l && d, [&] { return Shape{ref::range_length(*s, *l, *d)}; });
}

// The `dtype` attribute holds a Wisp DType (the ONNX converter maps the ONNX code).
void infer_eye_like(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (in.rank() != 2) ctx.fail_invalid(str_cat("input must be 2-D, got ", in.str()));
  const int64_t code = ctx.attrs().get_int("dtype", static_cast<int64_t>(ctx.input_dtype(0)));
  if (code <= 0 || code > static_cast<int64_t>(DType::kBool)) ctx.fail_unsupported(str_cat("dtype code ", code));
  const DType t = static_cast<DType>(code);
  (void)dispatch_dtype(t, "EyeLike", [](auto) { return 0; });
  ctx.params<ref::EyeLikeParams>().k = ctx.attrs().get_int("k", 0);
  ctx.set_output(0, t, in);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "OneHot", .min_inputs = 3, .max_inputs = 3, .infer = infer_one_hot});
WISP_REGISTER_OP({.op_type = "Range", .min_inputs = 3, .max_inputs = 3, .infer = infer_range});
WISP_REGISTER_OP({.op_type = "EyeLike", .infer = infer_eye_like, .reads_only_shapes = true});

}  // namespace wisp
