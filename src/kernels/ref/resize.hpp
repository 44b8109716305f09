// Resize (the opset-19 form) of an N-D tensor, separable per axis.
//
// For each axis and each output coordinate the kernel first builds a small "tap table":
// the input indices and weights that output coordinate reads along that axis (nearest: one
// tap; linear: 2; cubic: 4; antialiased downsampling: a filter widened by 1/scale). An
// output element is then the sum over the product of its axes' taps. Taps follow the ONNX
// reference: an output coordinate maps to x_original by the coordinate transformation
// mode; out-of-range neighbour indices read the edge element, or are dropped with
// exclude_outside; tf_crop_and_resize writes extrapolation_value where x_original falls
// outside the input.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class ResizeMode : uint8_t { kNearest, kLinear, kCubic };
enum class ResizeCoord : uint8_t {
  kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn, kTfCropAndResize
};
enum class ResizeNearest : uint8_t { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeParams {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearest nearest = ResizeNearest::kRoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  bool antialias = false;
  float extrapolation_value = 0;
  int rank = 0;
  double scale[kMaxRank] = {};  // output/input per axis (1 for axes not resized)
  int roi_axis[kMaxRank] = {};  // index of each axis in the roi input, -1 if none
  int roi_count = 0;            // number of axes the roi input covers
  int taps[kMaxRank] = {};      // taps per output coordinate per axis
};

// Scratch bytes for resizing `in` to `out`.
int64_t resize_scratch_bytes(const Shape& out, const ResizeParams& p);
// roi: optional 1-D float tensor [starts..., ends...] (tf_crop_and_resize only).
void resize(const TensorView& in, const TensorView* roi, TensorView& out, const ResizeParams& p, void* scratch);

// Number of taps one output coordinate reads along an axis with this scale.
int resize_taps(const ResizeParams& p, double scale);

}  // namespace wisp::ref
