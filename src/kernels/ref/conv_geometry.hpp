// Window geometry shared by Conv, ConvTranspose, ConvInteger, QLinearConv and the pools.
//
// Every op with a sliding window over 1-3 spatial dims is normalised to 3 spatial dims
// (D, H, W) by prepending dims of size 1 with kernel 1, stride 1, dilation 1, no pads.
// Kernels then have one loop nest for 1-D, 2-D and 3-D, and an optimized kernel can
// reuse the same struct. Output sizes follow the ONNX spec (and ONNX Runtime for the
// ceil_mode corner case: a window that would start inside the end padding is dropped).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace wisp::ref {

inline constexpr int kMaxWindowDims = 3;

enum class AutoPad : uint8_t { kNotSet, kSameUpper, kSameLower, kValid };

struct WindowGeometry {
  int spatial = 0;  // number of real spatial dims (1..3); arrays below are always 3 long
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0};
  int64_t pad_end[3] = {0, 0, 0};

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

inline AutoPad parse_auto_pad(std::string_view s) {
  if (s.empty() || s == "NOTSET") return AutoPad::kNotSet;
  if (s == "SAME_UPPER") return AutoPad::kSameUpper;
  if (s == "SAME_LOWER") return AutoPad::kSameLower;
  if (s == "VALID") return AutoPad::kValid;
  fail(ErrorCode::kInvalidModel, "auto_pad '", s, "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
}

// The window attributes as written in the model; empty vectors take the defaults.
struct WindowAttrs {
  std::vector<int64_t> kernel, strides, dilations, pads;
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
};

// Fills everything except `out` and the pads from the attributes (checked).
inline WindowGeometry window_base(const std::vector<int64_t>& in_spatial, const WindowAttrs& a) {
  const int n = static_cast<int>(in_spatial.size());
  WISP_CHECK(n >= 1 && n <= kMaxWindowDims, ErrorCode::kUnsupported, "windows over ", n,
             " spatial dims are not supported (1 to 3)");
  WISP_CHECK(static_cast<int>(a.kernel.size()) == n, ErrorCode::kInvalidModel, "kernel_shape has ",
             a.kernel.size(), " values but the input has ", n, " spatial dims");
  auto check_len = [&](const std::vector<int64_t>& v, size_t want, const char* name) {
    WISP_CHECK(v.empty() || v.size() == want, ErrorCode::kInvalidModel, name, " has ", v.size(),
               " values; expected ", want);
  };
  check_len(a.strides, n, "strides");
  check_len(a.dilations, n, "dilations");
  check_len(a.pads, 2 * n, "pads");
  WindowGeometry g;
  g.spatial = n;
  const int off = kMaxWindowDims - n;
  for (int i = 0; i < n; ++i) {
    const int d = off + i;
    g.in[d] = in_spatial[i];
    g.kernel[d] = a.kernel[i];
    if (!a.strides.empty()) g.stride[d] = a.strides[i];
    if (!a.dilations.empty()) g.dilation[d] = a.dilations[i];
    if (!a.pads.empty()) {
      g.pad_begin[d] = a.pads[i];
      g.pad_end[d] = a.pads[n + i];
    }
    WISP_CHECK(g.kernel[d] >= 1 && g.stride[d] >= 1 && g.dilation[d] >= 1, ErrorCode::kInvalidModel,
               "kernel_shape, strides and dilations must be >= 1 (spatial dim ", i, ")");
    WISP_CHECK(g.pad_begin[d] >= 0 && g.pad_end[d] >= 0, ErrorCode::kInvalidModel, "pads must be >= 0");
  }
  return g;
}

// Conv / pool geometry: output size from input size, kernel, strides, dilations and pads
// or auto_pad.
inline WindowGeometry window_geometry(const std::vector<int64_t>& in_spatial, const WindowAttrs& a) {
  WindowGeometry g = window_base(in_spatial, a);
  for (int d = kMaxWindowDims - g.spatial; d < kMaxWindowDims; ++d) {
    const int64_t extent = (g.kernel[d] - 1) * g.dilation[d] + 1;
    if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
      g.out[d] = (g.in[d] + g.stride[d] - 1) / g.stride[d];
      const int64_t total = std::max<int64_t>(0, (g.out[d] - 1) * g.stride[d] + extent - g.in[d]);
      const int64_t small = total / 2;
      g.pad_begin[d] = a.auto_pad == AutoPad::kSameUpper ? small : total - small;
      g.pad_end[d] = total - g.pad_begin[d];
      continue;
    }
    if (a.auto_pad == AutoPad::kValid) g.pad_begin[d] = g.pad_end[d] = 0;
    const int64_t span = g.in[d] + g.pad_begin[d] + g.pad_end[d] - extent;
    WISP_CHECK(span >= 0, ErrorCode::kInvalidModel, "the window (", extent, " wide with dilation) is larger than the padded input (",
               g.in[d] + g.pad_begin[d] + g.pad_end[d], ")");
    g.out[d] = (a.ceil_mode ? (span + g.stride[d] - 1) / g.stride[d] : span / g.stride[d]) + 1;
    // With ceil_mode the last window must start inside the input or the begin padding.
    if (a.ceil_mode && (g.out[d] - 1) * g.stride[d] >= g.in[d] + g.pad_begin[d]) --g.out[d];
  }
  return g;
}

// ConvTranspose geometry. `out` is the (spatial) output; `in` the (spatial) input.
inline WindowGeometry conv_transpose_geometry(const std::vector<int64_t>& in_spatial, const WindowAttrs& a,
                                              const std::vector<int64_t>& output_padding,
                                              const std::vector<int64_t>& output_shape) {
  WindowGeometry g = window_base(in_spatial, a);
  const int n = g.spatial, off = kMaxWindowDims - n;
  WISP_CHECK(output_padding.empty() || static_cast<int>(output_padding.size()) == n, ErrorCode::kInvalidModel,
             "output_padding has ", output_padding.size(), " values; expected ", n);
  WISP_CHECK(output_shape.empty() || static_cast<int>(output_shape.size()) == n, ErrorCode::kInvalidModel,
             "output_shape has ", output_shape.size(), " values; expected ", n, " (spatial dims only)");
  for (int i = 0; i < n; ++i) {
    const int d = off + i;
    const int64_t op = output_padding.empty() ? 0 : output_padding[i];
    const int64_t extent = (g.kernel[d] - 1) * g.dilation[d] + 1;
    const int64_t full = g.stride[d] * (g.in[d] - 1) + op + extent;
    int64_t total = -1;
    if (!output_shape.empty()) {
      total = full - output_shape[i];
    } else if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
      total = std::max<int64_t>(0, full - g.in[d] * g.stride[d]);
    }
    if (total >= 0 || !output_shape.empty()) {
      // SAME_LOWER puts the odd pad at the beginning; SAME_UPPER and an explicit
      // output_shape at the end (the ONNX reference implementation's convention).
      const int64_t small = total / 2;
      if (a.auto_pad == AutoPad::kSameLower) {
        g.pad_begin[d] = total - small;
        g.pad_end[d] = small;
      } else {
        g.pad_begin[d] = small;
        g.pad_end[d] = total - small;
      }
    } else if (a.auto_pad == AutoPad::kValid) {
      g.pad_begin[d] = g.pad_end[d] = 0;
    }
    g.out[d] = full - g.pad_begin[d] - g.pad_end[d];
    WISP_CHECK(g.out[d] >= 0 && (output_shape.empty() || g.out[d] == output_shape[i]), ErrorCode::kInvalidModel,
               "ConvTranspose output size ", g.out[d], " is not valid for spatial dim ", i);
  }
  return g;
}

}  // namespace wisp::ref
