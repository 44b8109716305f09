// GridSample(X [N,C,H,W], grid [N,Ho,Wo,2]) -> [N,C,Ho,Wo]. Opset 16 mode names
// (bilinear, nearest, bicubic) and opset 20's (linear, cubic) are both accepted; only the
// 2-D case is supported.
#include <string>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/grid_sample.hpp"

namespace wisp {
namespace {

void infer_grid_sample(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  if (ctx.input_dtype(1) != ctx.input_dtype(0))
    ctx.fail_unsupported("grid must have the same type as X");
  const Shape& x = ctx.input_shape(0);
  const Shape& g = ctx.input_shape(1);
  if (x.rank() != 4) ctx.fail_unsupported(str_cat("only 2-D sampling (X of rank 4) is supported, got ", x.str()));
  if (g.rank() != 4 || g[0] != x[0] || g[3] != 2)
    ctx.fail_invalid(str_cat("grid must be [N, Ho, Wo, 2] with N = ", x[0], ", got ", g.str()));
  if ((x[2] == 0 || x[3] == 0) && g[1] * g[2] > 0) ctx.fail_invalid("cannot sample an empty image");
  auto& p = ctx.params<ref::GridSampleParams>();
  const std::string mode = ctx.attrs().get_string("mode", ctx.opset() >= 20 ? "linear" : "bilinear");
  if (mode == "bilinear" || mode == "linear") p.mode = ref::GridSampleMode::kBilinear;
  else if (mode == "nearest") p.mode = ref::GridSampleMode::kNearest;
  else if (mode == "bicubic" || mode == "cubic") p.mode = ref::GridSampleMode::kBicubic;
  else ctx.fail_invalid(str_cat("mode '", mode, "' is not supported"));
  const std::string pad = ctx.attrs().get_string("padding_mode", "zeros");
  if (pad == "zeros") p.padding = ref::GridSamplePadding::kZeros;
  else if (pad == "border") p.padding = ref::GridSamplePadding::kBorder;
  else if (pad == "reflection") p.padding = ref::GridSamplePadding::kReflection;
  else ctx.fail_invalid(str_cat("padding_mode '", pad, "' is not zeros, border or reflection"));
  p.align_corners = ctx.attrs().get_int("align_corners", 0) != 0;
  ctx.set_output(0, ctx.input_dtype(0), Shape{x[0], x[1], g[1], g[2]});
}

}  // namespace

WISP_REGISTER_OP({.op_type = "GridSample", .min_inputs = 2, .max_inputs = 2, .infer = infer_grid_sample});

}  // namespace wisp
