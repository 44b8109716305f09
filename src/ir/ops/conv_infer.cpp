#include "ir/ops/conv_infer.hpp"

namespace wisp {

ref::WindowAttrs read_window_attrs(const InferContext& ctx, const std::vector<int64_t>& kernel) {
  const Attributes& at = ctx.attrs();
  ref::WindowAttrs a;
  a.kernel = at.get_ints("kernel_shape", kernel);
  a.strides = at.get_ints("strides");
  a.dilations = at.get_ints("dilations");
  a.pads = at.get_ints("pads");
  a.auto_pad = ref::parse_auto_pad(at.get_string("auto_pad", "NOTSET"));
  a.ceil_mode = at.get_int("ceil_mode", 0) != 0;
  return a;
}

std::vector<int64_t> spatial_dims(const InferContext& ctx, int i) {
  const Shape& s = ctx.input_shape(i);
  if (s.rank() < 3)
    ctx.fail_invalid(str_cat("input ", i, " must be [N, C, spatial...] (rank >= 3), got ", s.str()));
  return {s.begin() + 2, s.end()};
}

ref::ConvParams infer_conv_params(InferContext& ctx, int x, int w, int bias) {
  return infer_conv_params(ctx, x, w, bias, spatial_dims(ctx, x), ctx.input_shape(x)[1]);
}

ref::ConvParams infer_conv_params(InferContext& ctx, int x, int w, int bias, const std::vector<int64_t>& in_spatial,
                                  int64_t in_channels) {
  const Shape& xs = ctx.input_shape(x);
  const Shape& ws = ctx.input_shape(w);
  if (ws.rank() != xs.rank())
    ctx.fail_invalid(str_cat("weights ", ws.str(), " must have the input's rank (input ", xs.str(), ")"));
  const ref::WindowAttrs attrs = read_window_attrs(ctx, {ws.begin() + 2, ws.end()});
  for (size_t i = 0; i < attrs.kernel.size() && i + 2 < static_cast<size_t>(ws.rank()); ++i)
    if (attrs.kernel[i] != ws[static_cast<int>(i) + 2])
      ctx.fail_invalid(str_cat("kernel_shape does not match the weights ", ws.str()));
  ref::ConvParams p;
  p.geo = ref::window_geometry(in_spatial, attrs);
  p.batch = xs[0];
  p.in_channels = in_channels;
  p.out_channels = ws[0];
  p.group = ctx.attrs().get_int("group", 1);
  if (p.group < 1 || p.in_channels % p.group != 0 || p.out_channels % p.group != 0 ||
      ws[1] * p.group != p.in_channels)
    ctx.fail_invalid(str_cat("group=", p.group, " does not fit input channels ", p.in_channels,
                             " and weights ", ws.str(), " (need C == W[1] * group and M % group == 0)"));
  p.has_bias = bias >= 0 && ctx.has_input(bias);
  if (p.has_bias && !(ctx.input_shape(bias) == Shape{p.out_channels}))
    ctx.fail_invalid(str_cat("bias must have shape [", p.out_channels, "], got ", ctx.input_shape(bias).str()));
  return p;
}

}  // namespace wisp
