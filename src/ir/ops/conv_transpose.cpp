// ConvTranspose: X [N, C, D...], W [C, M/group, k...], optional B [M] -> Y [N, M, out...].
// Output size from output_shape, or strides/pads/output_padding/auto_pad
// (conv_transpose_geometry in conv_geometry.hpp).
#include "ir/ops/conv_infer.hpp"
#include "ir/ops/infer_util.hpp"

namespace wisp {
namespace {

void infer_conv_transpose(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  require_same_dtype(ctx, 0, 2);
  const Shape& xs = ctx.input_shape(0);
  const Shape& ws = ctx.input_shape(1);
  const std::vector<int64_t> in_spatial = spatial_dims(ctx, 0);
  if (ws.rank() != xs.rank()) ctx.fail_invalid(str_cat("weights ", ws.str(), " must have the input's rank"));
  const ref::WindowAttrs attrs = read_window_attrs(ctx, {ws.begin() + 2, ws.end()});
  std::vector<int64_t> output_shape = ctx.attrs().get_ints("output_shape");
  // output_shape may list [N, C, spatial...] (some exporters); keep the spatial dims.
  if (output_shape.size() == in_spatial.size() + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  ref::ConvParams& p = ctx.params<ref::ConvParams>();
  p.geo = ref::conv_transpose_geometry(in_spatial, attrs, ctx.attrs().get_ints("output_padding"), output_shape);
  p.batch = xs[0];
  p.in_channels = xs[1];
  p.group = ctx.attrs().get_int("group", 1);
  if (p.group < 1 || ws[0] != p.in_channels || p.in_channels % p.group != 0)
    ctx.fail_invalid(str_cat("weights ", ws.str(), " do not fit input channels ", p.in_channels, " with group=", p.group));
  p.out_channels = ws[1] * p.group;
  p.has_bias = ctx.has_input(2);
  if (p.has_bias && !(ctx.input_shape(2) == Shape{p.out_channels}))
    ctx.fail_invalid(str_cat("bias must have shape [", p.out_channels, "]"));
  Shape out{p.batch, p.out_channels};
  for (int d = ref::kMaxWindowDims - p.geo.spatial; d < ref::kMaxWindowDims; ++d) out.push_back(p.geo.out[d]);
  ctx.set_output(0, ctx.input_dtype(0), out);
  // Columns of one group [M/G * K, input positions], plus a float image for 16-bit types.
  const int64_t mg = p.out_channels / p.group;
  int64_t elems = checked_mul(checked_mul(mg, p.geo.kernel_size()), p.geo.in_size());
  const DType t = ctx.input_dtype(0);
  if (t == DType::kF16 || t == DType::kBF16) elems = checked_add(elems, checked_mul(mg, p.geo.out_size()));
  ctx.request_scratch(checked_mul(elems, t == DType::kF64 ? 8 : 4));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "ConvTranspose", .min_inputs = 2, .max_inputs = 3, .infer = infer_conv_transpose});

}  // namespace wisp
