// Where (select with 3-way broadcast), Cast (to = ONNX type code) and CastLike (to = the
// type of input 1). Cast's `saturate` only concerns float8 types, which are unsupported.
#include <string>

#include "ir/ops/elementwise_types.hpp"
#include "ir/ops/infer_util.hpp"
#include "ir/ops/onnx_dtype_code.hpp"

namespace wisp {
namespace {

void infer_where(InferContext& ctx) {
  require_dtype_in(ctx, 0, types::kBool);
  require_dtype_in(ctx, 1, types::kNumericAndBool);
  require_same_dtype(ctx, 1, 2);
  ctx.set_output(0, ctx.input_dtype(1), broadcast_inputs(ctx));
}

void infer_cast(InferContext& ctx) {
  require_dtype_in(ctx, 0, types::kNumericAndBool);
  const int64_t code = ctx.attrs().require_int("to");
  const DType to = dtype_from_onnx_code(code);
  if (to == DType::kUndefined)
    ctx.fail_unsupported(str_cat("casting to ", onnx_code_name(code), " (type code ", code, ") is not supported"));
  ctx.set_output(0, to, ctx.input_shape(0));
}

void infer_cast_like(InferContext& ctx) {
  require_dtype_in(ctx, 0, types::kNumericAndBool);
  require_dtype_in(ctx, 1, types::kNumericAndBool);
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(0));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Where", .min_inputs = 3, .max_inputs = 3, .infer = infer_where, .inplace_input = 1});
WISP_REGISTER_OP({.op_type = "Cast", .infer = infer_cast});
WISP_REGISTER_OP({.op_type = "CastLike", .min_inputs = 2, .max_inputs = 2, .infer = infer_cast_like});

}  // namespace wisp
