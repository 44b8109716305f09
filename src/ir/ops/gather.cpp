// Gather, GatherElements, GatherND, ScatterElements, ScatterND. Constant indices are
// range-checked here at prepare; others by the kernel while running (kOutOfRange).
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/gather.hpp"

namespace wisp {
namespace {

void require_index_type(const InferContext& ctx, int i) {
  const DType t = ctx.input_dtype(i);
  if (t != DType::kI32 && t != DType::kI64)
    ctx.fail_invalid(str_cat("input ", i, " (indices) must be int32 or int64, got ", dtype_name(t)));
}

void check_constant_indices(const InferContext& ctx, int i, int64_t dim, const char* what) {
  if (const TensorView* idx = ctx.input_value(i)) ref::check_indices_in_range(*idx, dim, ctx.node().label(), what);
}

void infer_gather(InferContext& ctx) {
  require_index_type(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  if (data.rank() == 0) ctx.fail_invalid("data must have rank >= 1");
  const int axis = resolve_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  ctx.params<ref::GatherParams>().axis = axis;
  check_constant_indices(ctx, 1, data[axis], "index");
  Shape out;
  for (int d = 0; d < axis; ++d) out.push_back(data[d]);
  for (int64_t d : ctx.input_shape(1)) out.push_back(d);
  for (int d = axis + 1; d < data.rank(); ++d) out.push_back(data[d]);
  set_output_checked(ctx, 0, ctx.input_dtype(0), out);
}

void infer_gather_elements(InferContext& ctx) {
  require_index_type(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  if (data.rank() == 0 || idx.rank() != data.rank())
    ctx.fail_invalid(str_cat("data ", data.str(), " and indices ", idx.str(), " must have the same rank >= 1"));
  const int axis = resolve_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  for (int d = 0; d < idx.rank(); ++d)
    if (d != axis && idx[d] > data[d])
      ctx.fail_invalid(str_cat("indices ", idx.str(), " is larger than data ", data.str(), " outside axis ", axis));
  ctx.params<ref::GatherParams>().axis = axis;
  check_constant_indices(ctx, 1, data[axis], "index");
  ctx.set_output(0, ctx.input_dtype(0), idx);
}

void infer_gather_nd(InferContext& ctx) {
  require_index_type(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  const int64_t b = ctx.attrs().get_int("batch_dims", 0);
  if (idx.rank() < 1 || data.rank() < 1) ctx.fail_invalid("data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(data.rank(), idx.rank()))
    ctx.fail_invalid(str_cat("batch_dims ", b, " must be in [0, min(data rank, indices rank))"));
  const int64_t k = idx[idx.rank() - 1];
  if (k < 1 || b + k > data.rank())
    ctx.fail_invalid(str_cat("indices' last dim ", k, " must be in [1, ", data.rank() - b, "]"));
  for (int d = 0; d < b; ++d)
    if (data[d] != idx[d]) ctx.fail_invalid("the batch dims of data and indices differ");
  ctx.params<ref::GatherParams>().batch_dims = static_cast<int>(b);
  Shape out;
  for (int d = 0; d < idx.rank() - 1; ++d) out.push_back(idx[d]);
  for (int d = static_cast<int>(b + k); d < data.rank(); ++d) out.push_back(data[d]);
  set_output_checked(ctx, 0, ctx.input_dtype(0), out);
}

ref::ScatterReduction parse_reduction(const InferContext& ctx) {
  const std::string r = ctx.attrs().get_string("reduction", "none");
  if (r == "none") return ref::ScatterReduction::kNone;
  if (r == "add") return ref::ScatterReduction::kAdd;
  if (r == "mul") return ref::ScatterReduction::kMul;
  if (r == "max") return ref::ScatterReduction::kMax;
  if (r == "min") return ref::ScatterReduction::kMin;
  ctx.fail_invalid(str_cat("reduction '", r, "' is not one of none, add, mul, max, min"));
}

void infer_scatter_elements(InferContext& ctx) {
  require_index_type(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  if (data.rank() == 0 || idx.rank() != data.rank() || !(ctx.input_shape(2) == idx))
    ctx.fail_invalid(str_cat("data ", data.str(), ", indices ", idx.str(), " and updates ",
                             ctx.input_shape(2).str(), " must have the same rank; indices and updates one shape"));
  for (int d = 0; d < idx.rank(); ++d)
    if (idx[d] > data[d]) ctx.fail_invalid(str_cat("indices ", idx.str(), " is larger than data ", data.str()));
  if (ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("updates must have data's type");
  auto& p = ctx.params<ref::ScatterParams>();
  p.axis = resolve_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  p.reduction = parse_reduction(ctx);
  check_constant_indices(ctx, 1, data[p.axis], "index");
  ctx.set_output(0, ctx.input_dtype(0), data);
}

void infer_scatter_nd(InferContext& ctx) {
  require_index_type(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  const Shape& upd = ctx.input_shape(2);
  if (idx.rank() < 1) ctx.fail_invalid("indices must have rank >= 1");
  const int64_t k = idx[idx.rank() - 1];
  if (k < 1 || k > data.rank()) ctx.fail_invalid(str_cat("indices' last dim ", k, " must be in [1, ", data.rank(), "]"));
  Shape want;
  for (int d = 0; d < idx.rank() - 1; ++d) want.push_back(idx[d]);
  for (int d = static_cast<int>(k); d < data.rank(); ++d) want.push_back(data[d]);
  if (!(want == upd)) ctx.fail_invalid(str_cat("updates has shape ", upd.str(), ", expected ", want.str()));
  if (ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("updates must have data's type");
  ctx.params<ref::ScatterParams>().reduction = parse_reduction(ctx);
  ctx.set_output(0, ctx.input_dtype(0), data);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Gather", .min_inputs = 2, .max_inputs = 2, .infer = infer_gather});
WISP_REGISTER_OP({.op_type = "GatherElements", .min_inputs = 2, .max_inputs = 2, .infer = infer_gather_elements});
WISP_REGISTER_OP({.op_type = "GatherND", .min_inputs = 2, .max_inputs = 2, .infer = infer_gather_nd});
WISP_REGISTER_OP({.op_type = "ScatterElements", .min_inputs = 3, .max_inputs = 3, .infer = infer_scatter_elements,
                  .inplace_input = 0});
WISP_REGISTER_OP({.op_type = "ScatterND", .min_inputs = 3, .max_inputs = 3, .infer = infer_scatter_nd,
                  .inplace_input = 0});

}  // namespace wisp
