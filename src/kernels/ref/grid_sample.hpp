// GridSample (2-D: X [N,C,H,W], grid [N,Ho,Wo,2] of normalised (x, y) in [-1, 1]).
// Follows the ONNX reference: denormalise (align_corners decides whether -1/1 are pixel
// centres or edges), then for points outside the border apply the padding mode (border:
// clamp, reflection: mirror), then interpolate (nearest: round half to even; bilinear: 2x2
// taps; bicubic: 4x4 taps, A = -0.75), each tap read with the same padding rule
// (zeros: out-of-range taps read 0).
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class GridSampleMode : uint8_t { kBilinear, kNearest, kBicubic };
enum class GridSamplePadding : uint8_t { kZeros, kBorder, kReflection };

struct GridSampleParams {
  GridSampleMode mode = GridSampleMode::kBilinear;
  GridSamplePadding padding = GridSamplePadding::kZeros;
  bool align_corners = false;
};

void grid_sample(const TensorView& x, const TensorView& grid, TensorView& y, const GridSampleParams& p);

}  // namespace wisp::ref
