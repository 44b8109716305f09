#include "kernels/ref/grid_sample.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

// Mirrors v into [lo, hi] (repeatedly, as the ONNX reference does).
double reflect(double v, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (v < lo) {
    const double dx = lo - v;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (v > hi) {
    const double dx = v - hi;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return v;
}

void cubic_coeffs(double t, double c[4]) {
  constexpr double A = -0.75;
  auto near = [](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto far = [](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  c[0] = far(t + 1);
  c[1] = near(t);
  c[2] = near(1 - t);
  c[3] = far(2 - t);
}

template <class T>
struct Sampler {
  const T* img;  // one [H, W] plane
  int64_t h, w;
  const GridSampleParams& p;
  double lo_x, lo_y, hi_x, hi_y;  // the border: pixel centres or edges

  double pixel(int64_t r, int64_t c) const {
    switch (p.padding) {
      case GridSamplePadding::kZeros:
        if (r < 0 || r >= h || c < 0 || c >= w) return 0;
        break;
      case GridSamplePadding::kBorder:
        r = std::clamp<int64_t>(r, 0, h - 1);
        c = std::clamp<int64_t>(c, 0, w - 1);
        break;
      case GridSamplePadding::kReflection:
        r = std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(r), lo_y, hi_y)), 0, h - 1);
        c = std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(c), lo_x, hi_x)), 0, w - 1);
        break;
    }
    return static_cast<double>(static_cast<float>(img[r * w + c]));
  }

  double sample(double x, double y) const {
    if (p.mode == GridSampleMode::kNearest) {
      x = std::nearbyint(x);
      y = std::nearbyint(y);
    }
    if (x < lo_x || x > hi_x || y < lo_y || y > hi_y) {
      if (p.padding == GridSamplePadding::kBorder) {
        x = std::clamp(x, 0.0, static_cast<double>(w - 1));
        y = std::clamp(y, 0.0, static_cast<double>(h - 1));
      } else if (p.padding == GridSamplePadding::kReflection) {
        x = reflect(x, lo_x, hi_x);
        y = reflect(y, lo_y, hi_y);
      }
    }
    if (p.mode == GridSampleMode::kNearest) return pixel(static_cast<int64_t>(y), static_cast<int64_t>(x));
    const double fx = std::floor(x), fy = std::floor(y);
    const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
    const double tx = x - fx, ty = y - fy;
    if (p.mode == GridSampleMode::kBilinear) {
      return (1 - ty) * ((1 - tx) * pixel(y0, x0) + tx * pixel(y0, x0 + 1)) +
             ty * ((1 - tx) * pixel(y0 + 1, x0) + tx * pixel(y0 + 1, x0 + 1));
    }
    double cx[4], cy[4];
    cubic_coeffs(tx, cx);
    cubic_coeffs(ty, cy);
    double acc = 0;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) acc += cy[i] * cx[j] * pixel(y0 - 1 + i, x0 - 1 + j);
    return acc;
  }
};

template <class T>
void grid_sample_typed(const TensorView& x, const TensorView& grid, TensorView& y, const GridSampleParams& p) {
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t ho = grid.shape[1], wo = grid.shape[2];
  const T* g = grid.as<T>();
  T* out = y.as<T>();
  const double wd = static_cast<double>(w), hd = static_cast<double>(h);
  // align_corners: -1/1 are the centres of the corner pixels; otherwise their outer edges.
  auto denorm = [&](double v, double len) { return p.align_corners ? (v + 1) / 2 * (len - 1) : ((v + 1) * len - 1) / 2; };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const T* img = x.as<T>() + (b * c + ch) * h * w;
      const Sampler<T> s = p.align_corners ? Sampler<T>{img, h, w, p, 0, 0, wd - 1, hd - 1}
                                           : Sampler<T>{img, h, w, p, -0.5, -0.5, wd - 0.5, hd - 0.5};
      for (int64_t i = 0; i < ho * wo; ++i) {
        const T* gp = g + (b * ho * wo + i) * 2;
        const double gx = denorm(static_cast<float>(gp[0]), wd), gy = denorm(static_cast<float>(gp[1]), hd);
        out[(b * c + ch) * ho * wo + i] = T(static_cast<float>(s.sample(gx, gy)));
      }
    }
  }
}

void grid_sample_kernel(const KernelArgs& a) { grid_sample(*a.in[0], *a.in[1], *a.out[0], a.p<GridSampleParams>()); }

}  // namespace

void grid_sample(const TensorView& x, const TensorView& grid, TensorView& y, const GridSampleParams& p) {
  if (y.numel() == 0) return;
  switch (x.dtype) {
    case DType::kF32: return grid_sample_typed<float>(x, grid, y, p);
    case DType::kF64: return grid_sample_typed<double>(x, grid, y, p);
    case DType::kF16: return grid_sample_typed<Float16>(x, grid, y, p);
    case DType::kBF16: return grid_sample_typed<BFloat16>(x, grid, y, p);
    default: fail(ErrorCode::kUnsupported, "GridSample: element type ", dtype_name(x.dtype), " is not supported");
  }
}

WISP_REGISTER_KERNEL("GridSample", DType::kUndefined, Isa::kRef, grid_sample_kernel);

}  // namespace wisp::ref
