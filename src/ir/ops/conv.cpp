// Conv: X [N, C, D...], W [M, C/group, k...], optional B [M] -> Y [N, M, out...].
// Floating point types only (ConvInteger / QLinearConv are the integer forms).
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp {
namespace {

void infer_conv(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_same_dtype(ctx, 0, 2);
  ref::ConvParams& p = ctx.params<ref::ConvParams>();
  p = infer_conv_params(ctx, 0, 1, 2);
  p.epilogue = read_epilogue(ctx);
  Shape out{p.batch, p.out_channels};
  for (int d = ref::kMaxWindowDims - p.geo.spatial; d < ref::kMaxWindowDims; ++d) out.push_back(p.geo.out[d]);
  ctx.set_output(0, ctx.input_dtype(0), out);
  // The im2col matrix of one group, plus (for 16-bit types, computed in float) one
  // group's output before it is rounded back.
  const int64_t acc_size = ctx.input_dtype(0) == DType::kF64 ? 8 : 4;
  int64_t elems = ref::conv_col_elems(p);
  if (ctx.input_dtype(0) == DType::kF16 || ctx.input_dtype(0) == DType::kBF16)
    elems = checked_add(elems, checked_mul(p.out_channels / p.group, p.geo.out_size()));
  ctx.request_scratch(checked_mul(elems, acc_size));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Conv", .min_inputs = 2, .max_inputs = 3, .infer = infer_conv});

}  // namespace wisp
