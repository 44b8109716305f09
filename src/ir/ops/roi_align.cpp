// RoiAlign(X [N,C,H,W], rois [R,4], batch_indices [R]) -> [R, C, output_height, output_width].
// Opset 10 had no coordinate_transformation_mode and behaved as "output_half_pixel".
#include <string>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/roi_align.hpp"

namespace wisp {
namespace {

void infer_roi_align(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  if (ctx.input_dtype(1) != ctx.input_dtype(0)) ctx.fail_invalid("rois must have the same type as X");
  require_dtype_in(ctx, 2, {DType::kI64, DType::kI32});
  const Shape& x = ctx.input_shape(0);
  const Shape& rois = ctx.input_shape(1);
  if (x.rank() != 4) ctx.fail_invalid(str_cat("X must be [N, C, H, W], got ", x.str()));
  if (rois.rank() != 2 || rois[1] != 4) ctx.fail_invalid(str_cat("rois must be [num_rois, 4], got ", rois.str()));
  if (!(ctx.input_shape(2) == Shape{rois[0]}))
    ctx.fail_invalid(str_cat("batch_indices must be [", rois[0], "], got ", ctx.input_shape(2).str()));
  auto& p = ctx.params<ref::RoiAlignParams>();
  const std::string mode = ctx.attrs().get_string("mode", "avg");
  if (mode != "avg" && mode != "max") ctx.fail_invalid(str_cat("mode '", mode, "' is not avg or max"));
  p.max_mode = mode == "max";
  const std::string coord =
      ctx.attrs().get_string("coordinate_transformation_mode", ctx.opset() >= 16 ? "half_pixel" : "output_half_pixel");
  if (coord != "half_pixel" && coord != "output_half_pixel")
    ctx.fail_invalid(str_cat("coordinate_transformation_mode '", coord, "' is not half_pixel or output_half_pixel"));
  p.half_pixel = coord == "half_pixel";
  p.output_height = ctx.attrs().get_int("output_height", 1);
  p.output_width = ctx.attrs().get_int("output_width", 1);
  p.sampling_ratio = ctx.attrs().get_int("sampling_ratio", 0);
  p.spatial_scale = ctx.attrs().get_float("spatial_scale", 1.0f);
  if (p.output_height <= 0 || p.output_width <= 0 || p.sampling_ratio < 0)
    ctx.fail_invalid("output_height and output_width must be positive and sampling_ratio non-negative");
  if ((x[2] == 0 || x[3] == 0) && rois[0] > 0) ctx.fail_invalid("cannot pool from an empty image");
  ctx.set_output(0, ctx.input_dtype(0), Shape{rois[0], x[1], p.output_height, p.output_width});
}

}  // namespace

WISP_REGISTER_OP({.op_type = "RoiAlign", .min_inputs = 3, .max_inputs = 3, .infer = infer_roi_align});

}  // namespace wisp
