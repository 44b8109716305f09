// NonZero, Compress, ReverseSequence, Unique: selections whose output size may depend on
// the data (NonZero, Unique always; Compress unless its condition is constant).
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/select.hpp"

namespace wisp {
namespace {

void infer_non_zero(InferContext& ctx) {
  (void)dispatch_dtype(ctx.input_dtype(0), "NonZero", [](auto) { return 0; });
  ctx.set_output_dynamic(0, DType::kI64);
}

void infer_compress(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  auto& p = ctx.params<ref::CompressParams>();
  p.axis = ctx.attrs().has("axis") ? resolve_axis(ctx, ctx.attrs().require_int("axis"), in.rank()) : -1;
  if (ctx.input_dtype(1) != DType::kBool) ctx.fail_invalid("condition must be bool");
  if (ctx.input_shape(1).rank() != 1) ctx.fail_invalid("condition must be 1-D");
  const int64_t dim = p.axis < 0 ? in.numel() : in[p.axis];
  if (ctx.input_shape(1)[0] > dim)
    ctx.fail_invalid(str_cat("condition has ", ctx.input_shape(1)[0], " entries but the axis has ", dim));
  const TensorView* cond = ctx.input_value(1);
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), cond != nullptr, [&] {
    int64_t kept = 0;
    for (int64_t i = 0; i < cond->numel(); ++i) kept += cond->as<const bool>()[i] ? 1 : 0;
    Shape out = p.axis < 0 ? Shape{kept} : in;
    if (p.axis >= 0) out[p.axis] = kept;
    return out;
  });
}

void infer_reverse_sequence(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (in.rank() < 2) ctx.fail_invalid("input must have rank >= 2");
  auto& p = ctx.params<ref::ReverseSequenceParams>();
  p.batch_axis = resolve_axis(ctx, ctx.attrs().get_int("batch_axis", 1), in.rank(), "batch_axis");
  p.time_axis = resolve_axis(ctx, ctx.attrs().get_int("time_axis", 0), in.rank(), "time_axis");
  if (p.batch_axis + p.time_axis != 1) ctx.fail_invalid("batch_axis and time_axis must be 0 and 1 in some order");
  if (ctx.input_shape(1).rank() != 1 || ctx.input_shape(1)[0] != in[p.batch_axis])
    ctx.fail_invalid(str_cat("sequence_lens must have shape [", in[p.batch_axis], "]"));
  require_dtype_in(ctx, 1, {DType::kI64, DType::kI32});
  infer_same_as_input0(ctx);
}

void infer_unique(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  auto& p = ctx.params<ref::UniqueParams>();
  p.axis = ctx.attrs().has("axis") ? resolve_axis(ctx, ctx.attrs().require_int("axis"), in.rank()) : -1;
  p.sorted = ctx.attrs().get_int("sorted", 1) != 0;
  (void)dispatch_dtype(ctx.input_dtype(0), "Unique", [](auto) { return 0; });
  const int64_t n = p.axis < 0 ? in.numel() : in[p.axis];
  ctx.request_scratch(checked_mul(checked_mul(n, 5), 8, "Unique scratch"));
  ctx.set_output_dynamic(0, ctx.input_dtype(0));
  for (int i = 1; i < 4; ++i)
    if (ctx.has_output(i)) ctx.set_output_dynamic(i, DType::kI64);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "NonZero", .infer = infer_non_zero});
WISP_REGISTER_OP({.op_type = "Compress", .min_inputs = 2, .max_inputs = 2, .infer = infer_compress});
WISP_REGISTER_OP({.op_type = "ReverseSequence", .min_inputs = 2, .max_inputs = 2, .infer = infer_reverse_sequence});
WISP_REGISTER_OP({.op_type = "Unique", .min_outputs = 1, .max_outputs = 4, .infer = infer_unique});

}  // namespace wisp
