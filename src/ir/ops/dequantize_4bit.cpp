// DequantizeLinear of INT4/UINT4 x: y = (x - zero_point) * scale, where the scale (and the
// optional zero point, of x's type) is per tensor, per index along `axis`, or blocked:
// x's shape with the axis divided into ceil(D / block_size) blocks (ONNX opset 21).
#include "ir/ops/dequantize_4bit.hpp"

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/int4.hpp"

namespace wisp {

void infer_dequantize_linear_4bit(InferContext& ctx) {
  require_dtype_in(ctx, 1, {DType::kF32, DType::kF16});
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0))
    ctx.fail_invalid("x_zero_point must have x's type");
  const Shape& xs = ctx.input_shape(0);
  const Shape& ss = ctx.input_shape(1);
  if (ctx.has_input(2) && !(ctx.input_shape(2) == ss)) ctx.fail_invalid("the zero point must have the scale's shape");
  ref::Dequantize4BitParams& p = ctx.params<ref::Dequantize4BitParams>();
  p.is_signed = ctx.input_dtype(0) == DType::kI4;
  p.outer = xs.numel();
  const int64_t block = ctx.attrs().get_int("block_size", 0);
  if (block < 0) ctx.fail_invalid(str_cat("block_size ", block, " is negative"));
  const bool per_tensor = ss.numel() == 1 && ss.rank() <= 1 && block == 0;
  if (!per_tensor) {
    if (xs.rank() == 0) ctx.fail_invalid("a scalar x takes a scalar scale");
    const int axis = xs.axis(ctx.attrs().get_int("axis", 1));
    p.outer = xs.numel(0, axis);
    p.axis_dim = xs[axis];
    p.inner = xs.numel(axis + 1, xs.rank());
    if (block == 0) {
      if (ss.rank() != 1 || ss[0] != xs[axis])
        ctx.fail_invalid(str_cat("per-axis scale ", ss.str(), " must have ", xs[axis], " values (x ", xs.str(),
                                 ", axis ", axis, ")"));
      p.per_axis = true;
    } else {
      Shape want = xs;
      want[axis] = (xs[axis] + block - 1) / block;
      if (!(ss == want))
        ctx.fail_invalid(str_cat("blocked scale has shape ", ss.str(), "; x ", xs.str(), " with block_size ", block,
                                 " along axis ", axis, " needs ", want.str()));
      p.block = block;
    }
  }
  ctx.set_output(0, ctx.input_dtype(1), xs);
}

}  // namespace wisp
