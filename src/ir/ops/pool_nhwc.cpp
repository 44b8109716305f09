// NhwcMaxPool, NhwcAveragePool, NhwcGlobalAveragePool (domain com.wisp): the ONNX pools with
// X [N, H, W, C] -> Y [N, OH, OW, C] (global: [N, 1, 1, C]). Made only by
// passes/layout_nhwc.cpp. Attributes as the ONNX ops (NhwcMaxPool has no Indices output and
// storage_order 0). Params: ref::PoolParams / GlobalPoolParams with planes = N and
// channels = C (the innermost dim).
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/pool.hpp"

namespace wisp {
namespace {

const Shape& require_nhwc_input(const InferContext& ctx) {
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() != 4)
    ctx.fail_invalid(str_cat("X must be [N, H, W, C] (rank 4: the Nhwc ops are 2-D only), got ", xs.str()));
  return xs;
}

ref::PoolParams& infer_nhwc_window_pool(InferContext& ctx, ref::PoolKind kind) {
  const Shape& xs = require_nhwc_input(ctx);
  if (!ctx.attrs().has("kernel_shape")) ctx.fail_invalid("kernel_shape attribute is required");
  ref::PoolParams& p = ctx.params<ref::PoolParams>();
  p.geo = ref::window_geometry({xs[1], xs[2]}, read_window_attrs(ctx, {}));
  p.planes = xs[0];
  p.channels = xs[3];
  p.kind = kind;
  ctx.set_output(0, ctx.input_dtype(0), Shape{xs[0], p.geo.out[1], p.geo.out[2], xs[3]});
  return p;
}

void infer_nhwc_max_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8, DType::kU8});
  if (ctx.attrs().get_int("storage_order", 0) != 0)
    ctx.fail_invalid("NhwcMaxPool has no Indices output: storage_order must be 0");
  infer_nhwc_window_pool(ctx, ref::PoolKind::kMax);
}

void infer_nhwc_average_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  ref::PoolParams& p = infer_nhwc_window_pool(ctx, ref::PoolKind::kAverage);
  p.count_include_pad = ctx.attrs().get_int("count_include_pad", 0) != 0;
}

void infer_nhwc_global_average_pool(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  const Shape& xs = require_nhwc_input(ctx);
  ref::GlobalPoolParams& p = ctx.params<ref::GlobalPoolParams>();
  p.planes = xs[0];
  p.plane_size = checked_mul(xs[1], xs[2]);
  p.channels = xs[3];
  p.kind = ref::PoolKind::kAverage;
  if (p.plane_size == 0 && p.planes > 0 && p.channels > 0) ctx.fail_invalid("cannot pool over an empty spatial extent");
  ctx.set_output(0, ctx.input_dtype(0), Shape{xs[0], 1, 1, xs[3]});
}

}  // namespace

WISP_REGISTER_OP({.op_type = "NhwcMaxPool", .domain = "com.wisp", .infer = infer_nhwc_max_pool});
WISP_REGISTER_OP({.op_type = "NhwcAveragePool", .domain = "com.wisp", .infer = infer_nhwc_average_pool});
WISP_REGISTER_OP({.op_type = "NhwcGlobalAveragePool", .domain = "com.wisp", .infer = infer_nhwc_global_average_pool});

}  // namespace wisp
