// TopK(X, K) -> (Values, Indices): the opset-11 form (K an input, `largest`, `sorted`).
// Results are always sorted (sorted=0 leaves the order unspecified, so sorted is valid).
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/topk.hpp"

namespace wisp {
namespace {

void infer_topk(InferContext& ctx) {
  const DType t = ctx.input_dtype(0);
  if (!dtype_is_float(t) && !dtype_is_integer(t))
    ctx.fail_unsupported(str_cat("input type ", dtype_name(t), " is not supported"));
  const Shape& in = ctx.input_shape(0);
  if (in.rank() == 0) ctx.fail_invalid("input must have rank >= 1");
  const int axis = in.axis(ctx.attrs().get_int("axis", -1));
  const auto k = ctx.input_ints(1, "K");
  if (k.size() != 1) ctx.fail_invalid(str_cat("K must hold one value, got ", k.size()));
  if (k[0] < 0 || k[0] > in[axis])
    ctx.fail_invalid(str_cat("K=", k[0], " is outside [0, ", in[axis], "] (the size of axis ", axis, ")"));
  auto& p = ctx.params<ref::TopKParams>();
  p.outer = in.numel(0, axis);
  p.axis_dim = in[axis];
  p.inner = in.numel(axis + 1, in.rank());
  p.k = k[0];
  p.largest = ctx.attrs().get_int("largest", 1) != 0;
  Shape out = in;
  out[axis] = k[0];
  ctx.set_output(0, t, out);
  ctx.set_output(1, DType::kI64, out);
  ctx.request_scratch(checked_mul(in[axis], 8));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "TopK", .min_inputs = 2, .max_inputs = 2, .min_outputs = 2, .max_outputs = 2,
                  .infer = infer_topk});

}  // namespace wisp
