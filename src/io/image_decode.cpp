// The one translation unit that compiles stb_image's implementation (STB_IMAGE_IMPLEMENTATION
// must be defined in exactly one file). stb is third-party C written for C and C++98: its
// warnings are not ours, so they are silenced around the include only.
#include "io/image_decode.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/checked_math.hpp"
#include "core/status.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wshadow=local"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_FAILURE_USERMSG
// Decoded images above 2^26 pixels (8K x 8K) are refused before stb allocates them.
#define STBI_MAX_DIMENSIONS (1 << 14)
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace wisp {

bool is_image_file_name(const std::string& path) {
  std::string ext;
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {"png", "jpg", "jpeg", "bmp", "pgm", "ppm", "pnm", "tga", "gif"})
    if (ext == e) return true;
  return false;
}

DecodedImage decode_image_file(const std::string& path, int want_channels) {
  int w = 0, h = 0, c = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> px(stbi_load(path.c_str(), &w, &h, &c, want_channels),
                                                     stbi_image_free);
  WISP_CHECK(px != nullptr, ErrorCode::kInvalidArgument, path, ": cannot decode image (",
             stbi_failure_reason() ? stbi_failure_reason() : "unknown reason", ")");
  DecodedImage img;
  img.height = h;
  img.width = w;
  img.channels = want_channels ? want_channels : c;
  const int64_t n = checked_mul(checked_mul(img.height, img.width, "image size"), img.channels, "image size");
  img.pixels.assign(px.get(), px.get() + n);
  return img;
}

std::vector<float> resize_bilinear_hwc(const float* src, int64_t h, int64_t w, int64_t c, int64_t out_h,
                                       int64_t out_w) {
  std::vector<float> out(static_cast<size_t>(checked_mul(checked_mul(out_h, out_w, "resize"), c, "resize")));
  const double sy = static_cast<double>(h) / static_cast<double>(out_h);
  const double sx = static_cast<double>(w) / static_cast<double>(out_w);
  for (int64_t y = 0; y < out_h; ++y) {
    const double fy = std::clamp((static_cast<double>(y) + 0.5) * sy - 0.5, 0.0, static_cast<double>(h - 1));
    const auto y0 = static_cast<int64_t>(fy);
    const int64_t y1 = std::min(y0 + 1, h - 1);
    const double ay = fy - static_cast<double>(y0);
    for (int64_t x = 0; x < out_w; ++x) {
      const double fx = std::clamp((static_cast<double>(x) + 0.5) * sx - 0.5, 0.0, static_cast<double>(w - 1));
      const auto x0 = static_cast<int64_t>(fx);
      const int64_t x1 = std::min(x0 + 1, w - 1);
      const double ax = fx - static_cast<double>(x0);
      for (int64_t k = 0; k < c; ++k) {
        const double top = src[(y0 * w + x0) * c + k] * (1 - ax) + src[(y0 * w + x1) * c + k] * ax;
        const double bot = src[(y1 * w + x0) * c + k] * (1 - ax) + src[(y1 * w + x1) * c + k] * ax;
        out[static_cast<size_t>((y * out_w + x) * c + k)] = static_cast<float>(top * (1 - ay) + bot * ay);
      }
    }
  }
  return out;
}

}  // namespace wisp
