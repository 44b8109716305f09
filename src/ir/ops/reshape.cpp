// Reshape, Flatten, Squeeze, Unsqueeze: views of input 0's bytes with another shape
// (alias_input0: the planner lets the output share the input's buffer).
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/reshape.hpp"

namespace wisp {
namespace {

void infer_reshape(InferContext& ctx) {
  auto& p = ctx.params<ref::ReshapeParams>();
  p.allowzero = ctx.attrs().get_int("allowzero", 0) != 0;
  const TensorView* shape = ctx.input_value(1);
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), shape != nullptr,
                                      [&] { return ref::reshape_shape(ctx.input_shape(0), *shape, p.allowzero); });
}

void infer_flatten(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int64_t axis_attr = ctx.attrs().get_int("axis", 1);
  // Flatten's axis may equal rank (everything goes to the first dim).
  if (axis_attr < -in.rank() || axis_attr > in.rank())
    ctx.fail_invalid(str_cat("axis ", axis_attr, " is out of range for rank ", in.rank()));
  const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + in.rank() : axis_attr);
  ctx.params<ref::ReshapeParams>();
  ctx.set_output(0, ctx.input_dtype(0), Shape{in.numel(0, axis), in.numel(axis, in.rank())});
}

void infer_squeeze(InferContext& ctx) {
  auto& p = ctx.params<ref::ReshapeParams>();
  const TensorView* axes = ctx.has_input(1) ? ctx.input_value(1) : nullptr;
  const bool known = !ctx.has_input(1) || axes != nullptr;
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), known,
                                      [&] { return ref::squeeze_shape(ctx.input_shape(0), axes); });
}

void infer_unsqueeze(InferContext& ctx) {
  auto& p = ctx.params<ref::ReshapeParams>();
  const TensorView* axes = ctx.input_value(1);
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), axes != nullptr,
                                      [&] { return ref::unsqueeze_shape(ctx.input_shape(0), *axes); });
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Reshape", .min_inputs = 2, .max_inputs = 2, .infer = infer_reshape, .alias_input0 = true});
WISP_REGISTER_OP({.op_type = "Flatten", .infer = infer_flatten, .alias_input0 = true});
WISP_REGISTER_OP({.op_type = "Squeeze", .min_inputs = 1, .max_inputs = 2, .infer = infer_squeeze, .alias_input0 = true});
WISP_REGISTER_OP({.op_type = "Unsqueeze", .min_inputs = 2, .max_inputs = 2, .infer = infer_unsqueeze, .alias_input0 = true});

}  // namespace wisp
