// ConvInteger and QLinearConv: Conv on 8-bit integers with zero points, accumulated in
// int32. ConvInteger outputs the int32 sums; QLinearConv adds the int32 bias and
// requantizes with x_scale * w_scale / y_scale (w_scale / w_zero_point may be per
// output channel).
//
// QLinearConv with the attribute wisp_fixed_point=1 is Wisp's integer Conv (the fast path
// passes/fuse_qdq_conv.cpp makes): int32 accumulation and fixed-point requantization as
// kernels/ref/qgemm.hpp defines it, optionally clamped to [wisp_qmin, wisp_qmax] (a fused
// Relu/Clip). It needs every input but X constant, int8 weights with zero point 0.
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/infer_util.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp {
namespace {

Shape conv_output_shape(const ref::ConvParams& p) {
  Shape out{p.batch, p.out_channels};
  for (int d = ref::kMaxWindowDims - p.geo.spatial; d < ref::kMaxWindowDims; ++d) out.push_back(p.geo.out[d]);
  return out;
}

// Per tensor (one value) or per output channel (M values).
bool per_channel(InferContext& ctx, int i, int64_t m, const char* what) {
  if (!ctx.has_input(i)) return false;
  const int64_t n = ctx.input_shape(i).numel();
  if (n == 1) return false;
  if (n == m && ctx.input_shape(i).rank() == 1) return true;
  ctx.fail_invalid(str_cat(what, " must be a scalar or have one value per output channel (", m, "), got ",
                           ctx.input_shape(i).str()));
}

void request_int_scratch(InferContext& ctx, const ref::ConvParams& p, bool with_acc) {
  // im2col (int32), all weights minus their zero points (int32), one group's sums.
  int64_t elems = checked_add(ref::conv_col_elems(p), checked_mul(p.out_channels, ws_per_out(p)));
  if (with_acc) elems = checked_add(elems, checked_mul(p.out_channels / p.group, p.geo.out_size()));
  ctx.request_scratch(checked_mul(elems, 4));
}

void infer_conv_integer(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8});
  require_dtype_in(ctx, 1, {DType::kU8, DType::kI8});
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("x_zero_point must have x's type");
  if (ctx.has_input(3) && ctx.input_dtype(3) != ctx.input_dtype(1)) ctx.fail_invalid("w_zero_point must have w's type");
  ref::ConvParams& p = ctx.params<ref::ConvParams>();
  p = infer_conv_params(ctx, 0, 1, -1);
  if (ctx.has_input(2) && ctx.input_shape(2).numel() != 1) ctx.fail_unsupported("x_zero_point must be a scalar");
  p.per_channel_w = per_channel(ctx, 3, p.out_channels, "w_zero_point");
  ctx.set_output(0, DType::kI32, conv_output_shape(p));
  request_int_scratch(ctx, p, false);
}

void infer_qlinear_conv(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kU8, DType::kI8});
  require_dtype_in(ctx, 3, {DType::kU8, DType::kI8});
  for (int i : {1, 4, 6}) require_dtype_in(ctx, i, {DType::kF32});
  if (ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("x_zero_point must have x's type");
  if (ctx.input_dtype(5) != ctx.input_dtype(3)) ctx.fail_invalid("w_zero_point must have w's type");
  require_dtype_in(ctx, 7, {DType::kU8, DType::kI8});
  if (ctx.has_input(8)) require_dtype_in(ctx, 8, {DType::kI32});
  ref::QConvParams& qp = ctx.params<ref::QConvParams>();
  ref::ConvParams& p = qp.conv;
  p = infer_conv_params(ctx, 0, 3, 8);
  for (int i : {1, 2, 6, 7})
    if (ctx.input_shape(i).numel() != 1) ctx.fail_unsupported(str_cat("input ", i, " must be a scalar (per tensor)"));
  const bool scale_pc = per_channel(ctx, 4, p.out_channels, "w_scale");
  const bool zp_pc = per_channel(ctx, 5, p.out_channels, "w_zero_point");
  p.per_channel_w = scale_pc || zp_pc;
  ctx.set_output(0, ctx.input_dtype(7), conv_output_shape(p));
  qp.fixed_point = ctx.attrs().get_int(kFixedPointAttr, 0) != 0;
  if (!qp.fixed_point) return request_int_scratch(ctx, p, true);
  const int64_t mg = p.out_channels / p.group;
  fill_fixed_point(ctx, QGemmInputs{0, 1, 2, 3, 4, 5, 6, 7, 8}, p.out_channels, ws_per_out(p), /*w_rows_are_k=*/false,
                   qp.q);
  qp.q.channels = mg;
  // The reference's im2col of one group (in x's 1-byte type) + the x86 kernel's slots.
  // (+ the x86 kernels' channels-last copy of the input, when they take that path).
  int64_t x86 = qgemm_x86_scratch_bytes(ctx, ws_per_out(p));
  if (x86 > 0) x86 = checked_add(x86, checked_add(ref::qconv_channels_last_bytes(p), 64));
  ctx.request_scratch(checked_add(ref::conv_col_elems(p), x86));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "ConvInteger", .min_inputs = 2, .max_inputs = 4, .infer = infer_conv_integer});
WISP_REGISTER_OP({.op_type = "QLinearConv", .min_inputs = 8, .max_inputs = 9, .infer = infer_qlinear_conv});

}  // namespace wisp
