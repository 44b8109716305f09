// NhwcConv and NhwcDepthwiseConv (domain com.wisp): Conv with the activations in NHWC.
// Made only by passes/layout_nhwc.cpp; the ONNX exporter refuses them.
//   X [N, H, W, C], W [M, C/group, kH, kW] (ONNX weights), optional B [M], optional
//   R [N, OH, OW, M] (input 3, only with wisp_residual) -> Y [N, OH, OW, M].
// Attributes: those of ONNX Conv plus the fused epilogue (epilogue_attrs.hpp).
// NhwcConv is group 1 (other groups stay NCHW Conv); NhwcDepthwiseConv is group == C with
// M == C * multiplier. The params are ref::ConvParams with Conv's meaning (see conv.cpp).
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/conv_nhwc.hpp"

namespace wisp {
namespace {

enum class NhwcConvKind { kDense, kDepthwise };

void infer_nhwc_conv(InferContext& ctx, NhwcConvKind kind) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_same_dtype(ctx, 0, 2);
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() != 4)
    ctx.fail_invalid(str_cat("X must be [N, H, W, C] (rank 4: the Nhwc ops are 2-D only), got ", xs.str()));
  ref::ConvParams& p = ctx.params<ref::ConvParams>();
  p = infer_conv_params(ctx, 0, 1, 2, {xs[1], xs[2]}, xs[3]);
  if (kind == NhwcConvKind::kDense && p.group != 1)
    ctx.fail_invalid(str_cat("NhwcConv takes group 1, got group=", p.group,
                             " (a depthwise conv is NhwcDepthwiseConv; other groups stay NCHW Conv)"));
  if (kind == NhwcConvKind::kDepthwise && p.group != p.in_channels)
    ctx.fail_invalid(str_cat("NhwcDepthwiseConv needs group == C (", p.in_channels, "), got group=", p.group,
                             " (a group-1 conv is NhwcConv)"));
  p.epilogue = read_epilogue(ctx);
  p.w_constant = ctx.input_value(1) != nullptr;
  if (ctx.num_inputs() > 3) {
    if (!ctx.attrs().has(kResidualAttr))
      ctx.fail_invalid("a 4th input (residual) is only valid with the wisp_residual attribute");
    p.has_residual = ctx.has_input(3);
  }
  const Shape out{p.batch, p.geo.out[1], p.geo.out[2], p.out_channels};
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (p.has_residual) {
    require_same_dtype(ctx, 0, 3);
    if (!(ctx.input_shape(3) == out))
      ctx.fail_invalid(str_cat("the fused residual must have the output's shape ", out.str(), " (NHWC), got ",
                               ctx.input_shape(3).str()));
  }
  const auto isa = static_cast<Isa>(ctx.kernel_isa());
  ctx.request_scratch(kind == NhwcConvKind::kDense ? ref::nhwc_conv_scratch_bytes(p, isa, ctx.threads())
                                                   : ref::nhwc_depthwise_scratch_bytes(p, isa, ctx.threads()));
}

void infer_nhwc_dense(InferContext& ctx) { infer_nhwc_conv(ctx, NhwcConvKind::kDense); }
void infer_nhwc_depthwise(InferContext& ctx) { infer_nhwc_conv(ctx, NhwcConvKind::kDepthwise); }

}  // namespace

// As for Conv, Y may take over the residual's buffer when R dies here: every kernel reads
// an element of R before it writes that element of Y.
WISP_REGISTER_OP({.op_type = "NhwcConv", .domain = "com.wisp", .min_inputs = 2, .max_inputs = 4,
                  .infer = infer_nhwc_dense, .inplace_input = 3});
WISP_REGISTER_OP({.op_type = "NhwcDepthwiseConv", .domain = "com.wisp", .min_inputs = 2, .max_inputs = 4,
                  .infer = infer_nhwc_depthwise, .inplace_input = 3});

}  // namespace wisp
