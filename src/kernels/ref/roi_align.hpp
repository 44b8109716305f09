// RoiAlign: for each region (x1, y1, x2, y2) in image coordinates times spatial_scale, an
// output_height x output_width grid of bins, each the average (or max) of
// sampling_ratio^2 bilinear samples (adaptive ceil(roi/bins) when sampling_ratio is 0).
// Follows ONNX Runtime / the ONNX reference, including its max mode (the max over samples
// of the largest weighted corner value) and the legacy output_half_pixel mode (no -0.5
// pixel shift, regions at least 1x1).
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

struct RoiAlignParams {
  bool max_mode = false;
  bool half_pixel = true;
  int64_t output_height = 1, output_width = 1;
  int64_t sampling_ratio = 0;
  float spatial_scale = 1.0f;
};

void roi_align(const TensorView& x, const TensorView& rois, const TensorView& batch_indices, TensorView& y,
               const RoiAlignParams& p);

}  // namespace wisp::ref
