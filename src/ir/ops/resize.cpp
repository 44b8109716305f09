// Resize(X, roi?, scales?, sizes?), the opset-19 form (older Resize and Upsample are
// rewritten by src/onnx/converters/resize.cpp). Exactly one of scales / sizes (an empty
// tensor counts as absent); both must be known at prepare since they set the output shape.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/resize.hpp"

namespace wisp {
namespace {

using ref::ResizeCoord;

template <class E>
E pick(const InferContext& ctx, const char* attr, const char* fallback,
       std::initializer_list<std::pair<const char*, E>> choices) {
  const std::string v = ctx.attrs().get_string(attr, fallback);
  for (const auto& [name, e] : choices)
    if (v == name) return e;
  ctx.fail_unsupported(str_cat(attr, " '", v, "' is not supported"));
}

void infer_resize(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int rank = in.rank();
  auto& p = ctx.params<ref::ResizeParams>();
  p.rank = rank;
  p.mode = pick<ref::ResizeMode>(ctx, "mode", "nearest",
                                 {{"nearest", ref::ResizeMode::kNearest}, {"linear", ref::ResizeMode::kLinear},
                                  {"cubic", ref::ResizeMode::kCubic}});
  p.coord = pick<ResizeCoord>(ctx, "coordinate_transformation_mode", "half_pixel",
                              {{"half_pixel", ResizeCoord::kHalfPixel},
                               {"half_pixel_symmetric", ResizeCoord::kHalfPixelSymmetric},
                               {"pytorch_half_pixel", ResizeCoord::kPytorchHalfPixel},
                               {"align_corners", ResizeCoord::kAlignCorners},
                               {"asymmetric", ResizeCoord::kAsymmetric},
                               {"tf_half_pixel_for_nn", ResizeCoord::kTfHalfPixelForNn},
                               {"tf_crop_and_resize", ResizeCoord::kTfCropAndResize}});
  p.nearest = pick<ref::ResizeNearest>(ctx, "nearest_mode", "round_prefer_floor",
                                       {{"round_prefer_floor", ref::ResizeNearest::kRoundPreferFloor},
                                        {"round_prefer_ceil", ref::ResizeNearest::kRoundPreferCeil},
                                        {"floor", ref::ResizeNearest::kFloor},
                                        {"ceil", ref::ResizeNearest::kCeil}});
  p.cubic_a = ctx.attrs().get_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = ctx.attrs().get_int("exclude_outside", 0) != 0;
  p.antialias = ctx.attrs().get_int("antialias", 0) != 0;
  p.extrapolation_value = ctx.attrs().get_float("extrapolation_value", 0.0f);

  // axes: which dims scales/sizes/roi describe (default: all, in order).
  std::vector<int> axes;
  for (int64_t a : ctx.attrs().get_ints("axes")) {
    const int ax = in.axis(a, "axes");
    if (std::find(axes.begin(), axes.end(), ax) != axes.end()) ctx.fail_invalid(str_cat("axis ", a, " repeats in axes"));
    axes.push_back(ax);
  }
  if (axes.empty())
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  const int n = static_cast<int>(axes.size());
  for (int d = 0; d < rank; ++d) p.roi_axis[d] = -1;
  for (int k = 0; k < n; ++k) p.roi_axis[axes[k]] = k;
  p.roi_count = n;

  const bool has_scales = ctx.has_input(2) && ctx.input_shape(2).numel() > 0;
  const bool has_sizes = ctx.has_input(3) && ctx.input_shape(3).numel() > 0;
  if (has_scales == has_sizes) ctx.fail_invalid("exactly one of scales and sizes must be given");
  Shape out = in;
  for (int d = 0; d < rank; ++d) p.scale[d] = 1.0;
  if (has_scales) {
    const TensorView& s = ctx.require_input_value(2, "scales");
    if (s.numel() != n) ctx.fail_invalid(str_cat("scales has ", s.numel(), " values for ", n, " axes"));
    for (int k = 0; k < n; ++k) {
      const double sc = static_cast<float>(element_as_double(s, k));
      if (!(sc > 0)) ctx.fail_invalid(str_cat("scales[", k, "] = ", sc, " must be positive"));
      p.scale[axes[k]] = sc;
      const double len = std::floor(static_cast<double>(in[axes[k]]) * sc);
      if (len > static_cast<double>(kMaxTensorBytes)) ctx.fail_invalid("output is too large");
      out[axes[k]] = static_cast<int64_t>(len);
    }
  } else {
    const std::vector<int64_t> sizes = ctx.input_ints(3, "sizes");
    if (static_cast<int>(sizes.size()) != n) ctx.fail_invalid(str_cat("sizes has ", sizes.size(), " values for ", n, " axes"));
    const std::string policy = ctx.attrs().get_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      ctx.fail_invalid(str_cat("keep_aspect_ratio_policy '", policy, "' is not stretch, not_larger or not_smaller"));
    double common = policy == "not_larger" ? 1e300 : 0;
    for (int k = 0; k < n; ++k) {
      if (sizes[k] < 0) ctx.fail_invalid(str_cat("sizes[", k, "] = ", sizes[k], " is negative"));
      if (in[axes[k]] == 0) ctx.fail_invalid("cannot resize an empty axis to a given size");
      const double r = static_cast<double>(sizes[k]) / static_cast<double>(in[axes[k]]);
      common = policy == "not_larger" ? std::min(common, r) : std::max(common, r);
    }
    for (int k = 0; k < n; ++k) {
      if (policy == "stretch") {
        out[axes[k]] = sizes[k];
        p.scale[axes[k]] = static_cast<double>(sizes[k]) / static_cast<double>(in[axes[k]]);
      } else {
        out[axes[k]] = static_cast<int64_t>(std::floor(common * static_cast<double>(in[axes[k]]) + 0.5));
        p.scale[axes[k]] = common;
      }
    }
  }
  for (int d = 0; d < rank; ++d) {
    if (in[d] == 0 && out[d] > 0) ctx.fail_invalid(str_cat("cannot resize empty axis ", d, " to ", out[d]));
    if (out[d] > 0 && !(p.scale[d] > 0)) ctx.fail_invalid(str_cat("axis ", d, " has scale 0"));
    p.taps[d] = ref::resize_taps(p, p.scale[d]);
  }
  if (p.coord == ResizeCoord::kTfCropAndResize && ctx.has_input(1) && ctx.input_shape(1).numel() > 0 &&
      ctx.input_shape(1).numel() != 2 * n)
    ctx.fail_invalid(str_cat("roi must hold 2 x ", n, " values, got ", ctx.input_shape(1).numel()));
  ctx.set_output(0, ctx.input_dtype(0), out);
  ctx.request_scratch(ref::resize_scratch_bytes(out, p));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Resize", .min_inputs = 1, .max_inputs = 4, .infer = infer_resize});

}  // namespace wisp
