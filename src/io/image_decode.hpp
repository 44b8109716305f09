// Image decoding for data sets: stb_image (libstb-dev) behind a small interface, so that
// only image_decode.cpp compiles the stb implementation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace wisp {

struct DecodedImage {
  int64_t height = 0, width = 0, channels = 0;  // interleaved HWC, uint8
  std::vector<unsigned char> pixels;
};

// Decodes PNG/JPEG/BMP/PGM/PPM/TGA/GIF (first frame). `want_channels` 0 keeps the file's
// channel count, 1 or 3 converts. Throws wisp::Error naming the path.
DecodedImage decode_image_file(const std::string& path, int want_channels = 0);
bool is_image_file_name(const std::string& path);

// Bilinear resize (half-pixel centres, like OpenCV INTER_LINEAR / ONNX Resize
// "half_pixel"), interleaved HWC float in and out.
std::vector<float> resize_bilinear_hwc(const float* src, int64_t h, int64_t w, int64_t c, int64_t out_h,
                                       int64_t out_w);

}  // namespace wisp
