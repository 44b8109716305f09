// MaxPool (with optional Indices), AveragePool, LpPool, their Global forms, and MaxUnpool.
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/pool.hpp"

namespace wisp {
namespace {

ref::PoolParams& infer_window_pool(InferContext& ctx, ref::PoolKind kind) {
  const Shape& xs = ctx.input_shape(0);
  const std::vector<int64_t> in_spatial = spatial_dims(ctx, 0);
  if (!ctx.attrs().has("kernel_shape")) ctx.fail_invalid("kernel_shape attribute is required");
  const ref::WindowAttrs attrs = read_window_attrs(ctx, {});
  ref::PoolParams& p = ctx.params<ref::PoolParams>();
  p.geo = ref::window_geometry(in_spatial, attrs);
  p.planes = checked_mul(xs[0], xs[1]);
  p.kind = kind;
  Shape out{xs[0], xs[1]};
  for (int d = ref::kMaxWindowDims - p.geo.spatial; d < ref::kMaxWindowDims; ++d) out.push_back(p.geo.out[d]);
  ctx.set_output(0, ctx.input_dtype(0), out);
  return p;
}

void infer_max_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8, DType::kU8});
  ref::PoolParams& p = infer_window_pool(ctx, ref::PoolKind::kMax);
  const int64_t order = ctx.attrs().get_int("storage_order", 0);
  if (order != 0 && order != 1) ctx.fail_invalid(str_cat("storage_order must be 0 or 1, got ", order));
  p.column_major_indices = order == 1;
  if (ctx.has_output(1)) {
    Shape s = ctx.input_shape(0);
    for (int d = 0; d < p.geo.spatial; ++d) s[2 + d] = p.geo.out[ref::kMaxWindowDims - p.geo.spatial + d];
    ctx.set_output(1, DType::kI64, s);
  }
}

void infer_average_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  ref::PoolParams& p = infer_window_pool(ctx, ref::PoolKind::kAverage);
  p.count_include_pad = ctx.attrs().get_int("count_include_pad", 0) != 0;
}

void infer_lp_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  ref::PoolParams& p = infer_window_pool(ctx, ref::PoolKind::kLp);
  p.p = ctx.attrs().get_int("p", 2);
  if (p.p < 1) ctx.fail_invalid(str_cat("p must be >= 1, got ", p.p));
}

void infer_global_pool(InferContext& ctx, ref::PoolKind kind) {
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() < 2) ctx.fail_invalid(str_cat("input must be [N, C, ...], got ", xs.str()));
  ref::GlobalPoolParams& p = ctx.params<ref::GlobalPoolParams>();
  p.planes = checked_mul(xs[0], xs[1]);
  p.plane_size = xs.numel(2, xs.rank());
  p.kind = kind;
  p.p = ctx.attrs().get_int("p", 2);
  if (p.plane_size == 0 && p.planes > 0) ctx.fail_invalid("cannot pool over an empty spatial extent");
  Shape out = xs;
  for (int d = 2; d < out.rank(); ++d) out[d] = 1;
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_global_max_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8, DType::kU8});
  infer_global_pool(ctx, ref::PoolKind::kMax);
}
void infer_global_average_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  infer_global_pool(ctx, ref::PoolKind::kAverage);
}
void infer_global_lp_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  infer_global_pool(ctx, ref::PoolKind::kLp);
}

// MaxUnpool: X, I (the Indices of a MaxPool) and optional output_shape -> zeros with X's
// values scattered to the flat positions in I.
void infer_max_unpool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_dtype_in(ctx, 1, {DType::kI64});
  const Shape& xs = ctx.input_shape(0);
  if (!(ctx.input_shape(1) == xs)) ctx.fail_invalid("indices must have the shape of X");
  const std::vector<int64_t> in_spatial = spatial_dims(ctx, 0);
  if (!ctx.attrs().has("kernel_shape")) ctx.fail_invalid("kernel_shape attribute is required");
  const ref::WindowGeometry g = ref::window_base(in_spatial, read_window_attrs(ctx, {}));
  ref::MaxUnpoolParams& p = ctx.params<ref::MaxUnpoolParams>();
  p.spatial = g.spatial;
  Shape out{xs[0], xs[1]};
  for (int d = ref::kMaxWindowDims - g.spatial; d < ref::kMaxWindowDims; ++d) {
    p.default_dims[d] = (g.in[d] - 1) * g.stride[d] + g.kernel[d] - g.pad_begin[d] - g.pad_end[d];
    out.push_back(p.default_dims[d]);
  }
  if (ctx.has_input(2)) {
    if (!ctx.input_value(2)) {
      p.out_numel = -1;
      ctx.set_output_dynamic(0, ctx.input_dtype(0));  // the shape is only known while running
      return;
    }
    const std::vector<int64_t> dims = ctx.input_ints(2, "output_shape");
    out = Shape(std::span<const int64_t>(dims));
    if (out.rank() != xs.rank()) ctx.fail_invalid("output_shape must have X's rank");
  }
  p.out_numel = out.numel();
  ctx.set_output(0, ctx.input_dtype(0), out);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "MaxPool", .min_outputs = 1, .max_outputs = 2, .infer = infer_max_pool});
WISP_REGISTER_OP({.op_type = "AveragePool", .infer = infer_average_pool});
WISP_REGISTER_OP({.op_type = "LpPool", .infer = infer_lp_pool});
WISP_REGISTER_OP({.op_type = "GlobalMaxPool", .infer = infer_global_max_pool});
WISP_REGISTER_OP({.op_type = "GlobalAveragePool", .infer = infer_global_average_pool});
WISP_REGISTER_OP({.op_type = "GlobalLpPool", .infer = infer_global_lp_pool});
WISP_REGISTER_OP({.op_type = "MaxUnpool", .min_inputs = 2, .max_inputs = 3, .infer = infer_max_unpool});

}  // namespace wisp
