// Identity and Dropout (inference mode: the data passes through unchanged; Dropout's
// optional mask output is all true). Both alias their input: no copy when planned.
#include "ir/ops/infer_util.hpp"

namespace wisp {
namespace {

void infer_identity(InferContext& ctx) { infer_same_as_input0(ctx); }

void infer_dropout(InferContext& ctx) {
  // Inputs 1 (ratio) and 2 (training_mode) only matter in training; training mode is not
  // supported by an inference runtime, so a constant true training_mode is an error.
  // Training with ratio 0 is the identity; any other ratio needs random masks.
  const TensorView* tm = ctx.input_value(2);
  const TensorView* ratio = ctx.input_value(1);
  const bool zero_ratio = ratio && ratio->numel() == 1 && element_as_double(*ratio, 0) == 0;
  if (tm && tm->numel() == 1 && element_as_int(*tm, 0) != 0 && !zero_ratio)
    ctx.fail_unsupported("training_mode=true is not supported (Wisp runs inference)");
  infer_same_as_input0(ctx);
  if (ctx.has_output(1)) ctx.set_output(1, DType::kBool, ctx.input_shape(0));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Identity", .infer = infer_identity, .alias_input0 = true});
WISP_REGISTER_OP({.op_type = "Dropout", .min_inputs = 1, .max_inputs = 3, .min_outputs = 1, .max_outputs = 2,
                  .infer = infer_dropout, .alias_input0 = true});

}  // namespace wisp
