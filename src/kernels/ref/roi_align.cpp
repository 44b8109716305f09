#include "kernels/ref/roi_align.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

template <class T>
void roi_align_typed(const TensorView& x, const TensorView& rois, const TensorView& batch_indices, TensorView& y,
                     const RoiAlignParams& p) {
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t num_rois = rois.shape[0], oh = p.output_height, ow = p.output_width;
  const T* r = rois.as<T>();
  T* out = y.as<T>();
  const double offset = p.half_pixel ? 0.5 : 0.0;
  for (int64_t k = 0; k < num_rois; ++k) {
    const int64_t b = element_as_int(batch_indices, k);
    WISP_CHECK(b >= 0 && b < n, ErrorCode::kOutOfRange, "RoiAlign: batch index ", b, " of roi ", k,
               " is outside [0, ", n, ")");
    const double scale = p.spatial_scale;
    const double x1 = static_cast<float>(r[k * 4 + 0]) * scale - offset, y1 = static_cast<float>(r[k * 4 + 1]) * scale - offset;
    const double x2 = static_cast<float>(r[k * 4 + 2]) * scale - offset, y2 = static_cast<float>(r[k * 4 + 3]) * scale - offset;
    double roi_w = x2 - x1, roi_h = y2 - y1;
    if (!p.half_pixel) {
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(oh), bin_w = roi_w / static_cast<double>(ow);
    const int64_t grid_h = p.sampling_ratio > 0 ? p.sampling_ratio : static_cast<int64_t>(std::ceil(roi_h / static_cast<double>(oh)));
    const int64_t grid_w = p.sampling_ratio > 0 ? p.sampling_ratio : static_cast<int64_t>(std::ceil(roi_w / static_cast<double>(ow)));
    const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
    for (int64_t ch = 0; ch < c; ++ch) {
      const T* img = x.as<T>() + (b * c + ch) * h * w;
      auto at = [&](int64_t yy, int64_t xx) { return static_cast<double>(static_cast<float>(img[yy * w + xx])); };
      for (int64_t ph = 0; ph < oh; ++ph) {
        for (int64_t pw = 0; pw < ow; ++pw) {
          double acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < grid_h; ++iy) {
            const double sy = y1 + static_cast<double>(ph) * bin_h + (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
            for (int64_t ix = 0; ix < grid_w; ++ix) {
              const double sx = x1 + static_cast<double>(pw) * bin_w + (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
              // Bilinear weights of the four neighbours; samples beyond one pixel outside read 0.
              double v[4] = {0, 0, 0, 0};
              if (!(sy < -1.0 || sy > static_cast<double>(h) || sx < -1.0 || sx > static_cast<double>(w))) {
                double yy = std::max(sy, 0.0), xx = std::max(sx, 0.0);
                int64_t y_lo = static_cast<int64_t>(yy), x_lo = static_cast<int64_t>(xx), y_hi, x_hi;
                if (y_lo >= h - 1) { y_hi = y_lo = h - 1; yy = static_cast<double>(y_lo); } else { y_hi = y_lo + 1; }
                if (x_lo >= w - 1) { x_hi = x_lo = w - 1; xx = static_cast<double>(x_lo); } else { x_hi = x_lo + 1; }
                const double ly = yy - static_cast<double>(y_lo), lx = xx - static_cast<double>(x_lo);
                const double hy = 1 - ly, hx = 1 - lx;
                v[0] = hy * hx * at(y_lo, x_lo);
                v[1] = hy * lx * at(y_lo, x_hi);
                v[2] = ly * hx * at(y_hi, x_lo);
                v[3] = ly * lx * at(y_hi, x_hi);
              }
              if (p.max_mode) {
                const double m = std::max(std::max(v[0], v[1]), std::max(v[2], v[3]));
                acc = first ? m : std::max(acc, m);
              } else {
                acc += v[0] + v[1] + v[2] + v[3];
              }
              first = false;
            }
          }
          const double result = p.max_mode ? acc : acc / count;
          out[((k * c + ch) * oh + ph) * ow + pw] = T(static_cast<float>(result));
        }
      }
    }
  }
}

void roi_align_kernel(const KernelArgs& a) { roi_align(*a.in[0], *a.in[1], *a.in[2], *a.out[0], a.p<RoiAlignParams>()); }

}  // namespace

void roi_align(const TensorView& x, const TensorView& rois, const TensorView& batch_indices, TensorView& y,
               const RoiAlignParams& p) {
  switch (x.dtype) {
    case DType::kF32: return roi_align_typed<float>(x, rois, batch_indices, y, p);
    case DType::kF64: return roi_align_typed<double>(x, rois, batch_indices, y, p);
    case DType::kF16: return roi_align_typed<Float16>(x, rois, batch_indices, y, p);
    case DType::kBF16: return roi_align_typed<BFloat16>(x, rois, batch_indices, y, p);
    default: fail(ErrorCode::kUnsupported, "RoiAlign: element type ", dtype_name(x.dtype), " is not supported");
  }
}

WISP_REGISTER_KERNEL("RoiAlign", DType::kUndefined, Isa::kRef, roi_align_kernel);

}  // namespace wisp::ref
