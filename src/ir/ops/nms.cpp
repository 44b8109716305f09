// NonMaxSuppression(boxes [B,S,4], scores [B,C,S], max_output_boxes_per_class?,
// iou_threshold?, score_threshold?) -> selected_indices [num_selected, 3] int64
// (batch, class, box). The output's length depends on the data: a dynamic output.
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/nms.hpp"

namespace wisp {
namespace {

void infer_nms(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32});
  require_dtype_in(ctx, 1, {DType::kF32});
  const Shape& boxes = ctx.input_shape(0);
  const Shape& scores = ctx.input_shape(1);
  if (boxes.rank() != 3 || boxes[2] != 4) ctx.fail_invalid(str_cat("boxes must be [B, S, 4], got ", boxes.str()));
  if (scores.rank() != 3 || scores[0] != boxes[0] || scores[2] != boxes[1])
    ctx.fail_invalid(str_cat("scores must be [B, C, S] = [", boxes[0], ", C, ", boxes[1], "], got ", scores.str()));
  for (int i = 2; i <= 4; ++i)
    if (ctx.has_input(i) && ctx.input_shape(i).numel() > 1) ctx.fail_invalid(str_cat("input ", i, " must be a scalar"));
  if (ctx.has_input(2) && !dtype_is_integer(ctx.input_dtype(2)))
    ctx.fail_invalid("max_output_boxes_per_class must be an int64 scalar");
  const int64_t center = ctx.attrs().get_int("center_point_box", 0);
  if (center != 0 && center != 1) ctx.fail_invalid(str_cat("center_point_box must be 0 or 1, got ", center));
  ctx.params<ref::NmsParams>().center_point_box = center == 1;
  ctx.set_output_dynamic(0, DType::kI64);
  ctx.request_scratch(checked_mul(boxes[1], 16));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "NonMaxSuppression", .min_inputs = 2, .max_inputs = 5, .infer = infer_nms});

}  // namespace wisp
