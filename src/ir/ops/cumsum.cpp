// CumSum(x, axis): running sum along `axis` (a scalar input, read by the kernel).
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/cumsum.hpp"

namespace wisp {
namespace {

void infer_cumsum(InferContext& ctx) {
  const DType t = ctx.input_dtype(0);
  if (!dtype_is_float(t) && !dtype_is_integer(t))
    ctx.fail_unsupported(str_cat("input type ", dtype_name(t), " is not supported"));
  if (!dtype_is_integer(ctx.input_dtype(1))) ctx.fail_invalid("axis must be an int32 or int64 scalar");
  if (ctx.input_shape(1).numel() != 1) ctx.fail_invalid("axis must be a scalar");
  if (const TensorView* axis = ctx.input_value(1)) (void)ctx.input_shape(0).axis(element_as_int(*axis, 0));
  auto& p = ctx.params<ref::CumSumParams>();
  p.exclusive = ctx.attrs().get_int("exclusive", 0) != 0;
  p.reverse = ctx.attrs().get_int("reverse", 0) != 0;
  infer_same_as_input0(ctx);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "CumSum", .min_inputs = 2, .max_inputs = 2, .infer = infer_cumsum, .inplace_input = 0});

}  // namespace wisp
