// NegativeLogLikelihoodLoss(input [N,C,d..], target [N,d..], weight? [C]) and
// SoftmaxCrossEntropyLoss(scores, labels, weights?) -> (loss, log_prob?).
// reduction: "none" (loss has the target's shape), "sum" or "mean" (a scalar).
#include <string>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/loss.hpp"

namespace wisp {
namespace {

void infer_loss(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_dtype_in(ctx, 1, {DType::kI32, DType::kI64});
  const Shape& x = ctx.input_shape(0);
  const Shape& t = ctx.input_shape(1);
  if (x.rank() < 2) ctx.fail_invalid(str_cat("input must be [N, C, d1..dk], got ", x.str()));
  bool target_ok = t.rank() == x.rank() - 1 && t[0] == x[0];
  for (int i = 1; target_ok && i < t.rank(); ++i) target_ok = t[i] == x[i + 1];
  if (!target_ok) ctx.fail_invalid(str_cat("target shape ", t.str(), " does not match input shape ", x.str()));
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0))
      ctx.fail_invalid(str_cat("weight has type ", dtype_name(ctx.input_dtype(2)), " but input 0 has type ",
                               dtype_name(ctx.input_dtype(0))));
    if (!(ctx.input_shape(2) == Shape{x[1]}))
      ctx.fail_invalid(str_cat("weight must be [C] = [", x[1], "], got ", ctx.input_shape(2).str()));
  }
  auto& p = ctx.params<ref::LossParams>();
  const std::string reduction = ctx.attrs().get_string("reduction", "mean");
  if (reduction == "none") p.reduction = ref::LossReduction::kNone;
  else if (reduction == "sum") p.reduction = ref::LossReduction::kSum;
  else if (reduction == "mean") p.reduction = ref::LossReduction::kMean;
  else ctx.fail_invalid(str_cat("reduction '", reduction, "' is not one of none, sum, mean"));
  p.has_ignore_index = ctx.attrs().has("ignore_index");
  p.ignore_index = ctx.attrs().get_int("ignore_index", 0);
  p.n = x[0];
  p.c = x[1];
  p.d = x.numel(2, x.rank());
  ctx.set_output(0, ctx.input_dtype(0), p.reduction == ref::LossReduction::kNone ? t : Shape{});
  if (ctx.num_outputs() > 1 && ctx.has_output(1)) ctx.set_output(1, ctx.input_dtype(0), x);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "NegativeLogLikelihoodLoss", .min_inputs = 2, .max_inputs = 3, .infer = infer_loss});
WISP_REGISTER_OP({.op_type = "SoftmaxCrossEntropyLoss", .min_inputs = 2, .max_inputs = 3, .min_outputs = 1,
                  .max_outputs = 2, .infer = infer_loss});

}  // namespace wisp
