// Conv: X [N, C, D...], W [M, C/group, k...], optional B [M] -> Y [N, M, out...].
// Floating point types only (ConvInteger / QLinearConv are the integer forms). A fused Conv
// (attribute wisp_residual) takes a 4th input R of Y's shape: Y = act(conv + B + R).
#include <algorithm>

#include "ir/ops/conv_infer.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp {
namespace {

void infer_conv(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_same_dtype(ctx, 0, 2);
  ref::ConvParams& p = ctx.params<ref::ConvParams>();
  p = infer_conv_params(ctx, 0, 1, 2);
  p.epilogue = read_epilogue(ctx);
  p.w_constant = ctx.input_value(1) != nullptr;
  // Input 3 exists only on a Conv that passes/fuse_residual_add.cpp made (it marks it):
  // an ONNX Conv has at most 3 inputs.
  if (ctx.num_inputs() > 3) {
    if (!ctx.attrs().has(kResidualAttr))
      ctx.fail_invalid("Conv takes at most 3 inputs (X, W, B); a 4th (residual) is only valid on a fused Conv");
    p.has_residual = ctx.has_input(3);
  }
  Shape out{p.batch, p.out_channels};
  for (int d = ref::kMaxWindowDims - p.geo.spatial; d < ref::kMaxWindowDims; ++d) out.push_back(p.geo.out[d]);
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (p.has_residual) {
    require_same_dtype(ctx, 0, 3);
    if (!(ctx.input_shape(3) == out))
      ctx.fail_invalid(str_cat("the fused residual must have the output's shape ", out.str(), ", got ",
                               ctx.input_shape(3).str()));
  }
  // The im2col matrix of one group, plus (for 16-bit types, computed in float) one
  // group's output before it is rounded back.
  const int64_t acc_size = ctx.input_dtype(0) == DType::kF64 ? 8 : 4;
  int64_t elems = ref::conv_col_elems(p);
  if (ctx.input_dtype(0) == DType::kF16 || ctx.input_dtype(0) == DType::kBF16)
    elems = checked_add(elems, checked_mul(p.out_channels / p.group, p.geo.out_size()));
  // The x86 float32 Conv (group 1, K > 0), when the session picks it, instead needs one
  // packed block per thread (slot), plus the packed weights when W is not a constant (a
  // constant W is packed once and cached) -- and no im2col matrix. Other ISAs (reference,
  // NEON) run im2col.
  const auto isa = static_cast<Isa>(ctx.kernel_isa());
  const int64_t k = ref::ws_per_out(p);
  if (ctx.input_dtype(0) == DType::kF32 && p.group == 1 && k > 0 && (isa == Isa::kAvx2 || isa == Isa::kAvx512)) {
    int64_t tiled = checked_mul(std::min<int64_t>(ctx.threads(), ref::kConvSlots), ref::conv_tiled_slot_floats(k, p.geo.out_size()));
    if (!p.w_constant) tiled = checked_add(tiled, checked_mul(p.out_channels + 8, k));
    elems = tiled + 16;  // + 16: room to align the slots to 64 bytes
  }
  ctx.request_scratch(checked_mul(elems, acc_size));
}

}  // namespace

// Y may take over the fused residual's buffer when r dies here: both kernels read each
// element of r before writing that element of Y (a plain Conv has no input 3: no effect).
WISP_REGISTER_OP({.op_type = "Conv", .min_inputs = 2, .max_inputs = 4, .infer = infer_conv, .inplace_input = 3});

}  // namespace wisp
