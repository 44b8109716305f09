// Data sets for calibration and evaluation (`wisp optimize --calib`, `wisp eval`,
// `wisp compare`): one function turns a path into a float32 batch tensor.
//
// Accepted sources, chosen by what the path is:
//  - a .npy file: first axis = samples, converted to float32 (integer data is multiplied by
//    `scale`, like images, only when it is uint8);
//  - a folder holding .npy files: each is a batch, concatenated along axis 0 in name order
//    (their trailing shapes must agree);
//  - an IDX file (MNIST/Fashion-MNIST format, optionally .gz): uint8 images [N, H, W] become
//    [N, 1, H, W] scaled by `scale`; other IDX element types are converted as they are;
//  - a folder of images (PNG/JPEG/BMP/PGM/PPM/TGA via stb_image, name order): decoded,
//    resized (bilinear) to `resize_hw` when given (all images must then agree in size),
//    scaled, normalised per channel, NCHW (or NHWC with channels_last).
// Everything read is untrusted: header sizes are checked against the file size and against
// kMaxTensorBytes before anything is allocated; errors are wisp::Error naming the path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace wisp {

struct DatasetOptions {
  std::vector<int64_t> resize_hw;     // images: resize to H,W (bilinear); empty = as is
  std::vector<float> mean, std;       // per channel (or one value for all), applied after scale
  float scale = 1.0f / 255.0f;        // uint8 images/IDX -> float
  bool channels_last = false;         // produce NHWC instead of NCHW
  int64_t limit = -1;                 // first N samples (-1: all)
};

// Returns float32 [N, C, H, W] for images (IDX images: [N, 1, H, W]), [N, ...] for .npy.
Tensor load_dataset(const std::string& path, const DatasetOptions& options = {});

// Integer labels from .npy (any integer type, or float holding integers) or an IDX label
// file (.gz ok): int64 [N].
Tensor load_labels(const std::string& path, int64_t limit = -1);

// Reads samples [begin, begin + count) of a batch tensor (first axis) as a new tensor.
Tensor slice_samples(const Tensor& batch, int64_t begin, int64_t count);

}  // namespace wisp
