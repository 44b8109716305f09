#include "kernels/ref/resize.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

struct Tap {
  int64_t index;  // -1 in a coordinate's first tap: outside the crop (extrapolate)
  double weight;
};

// Maps output coordinate x to the input coordinate, as the ONNX reference does (it uses
// the unrounded output length scale * in_len, which differs from out_len for scales).
double original_coordinate(const ResizeParams& p, double x, double scale, int64_t in_len, int64_t out_len,
                           double roi_start, double roi_end) {
  const double out_width = scale * static_cast<double>(in_len);
  const double in_w = static_cast<double>(in_len);
  switch (p.coord) {
    case ResizeCoord::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case ResizeCoord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out_len) / out_width;
      const double offset = in_w / 2 * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case ResizeCoord::kPytorchHalfPixel: return out_width == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case ResizeCoord::kAlignCorners: return out_width == 1 ? 0.0 : x * (in_w - 1) / (out_width - 1);
    case ResizeCoord::kAsymmetric: return x / scale;
    case ResizeCoord::kTfHalfPixelForNn: return (x + 0.5) / scale;
    case ResizeCoord::kTfCropAndResize:
      if (out_width == 1) return (roi_end - roi_start) * (in_w - 1) / 2 + roi_start * (in_w - 1);
      return x * (roi_end - roi_start) * (in_w - 1) / (out_width - 1) + roi_start * (in_w - 1);
  }
  return x;
}

double cubic_weight(double x, double a) {  // Keys' cubic convolution kernel
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

// Fills the `n` taps of one output coordinate whose input coordinate is x.
void fill_taps(const ResizeParams& p, double x, double scale, int64_t in_len, int n, Tap* taps) {
  auto clamp_index = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in_len - 1); };
  // The reference takes the n nearest indices, preferring lower ones: with x integral
  // that puts x itself on the right of the centre, i.e. ratio is in (0, 1].
  const double fl = std::floor(x);
  const int64_t base = static_cast<int64_t>(x == fl ? fl - 1 : fl);
  const double ratio = x - static_cast<double>(base);
  if (p.mode == ResizeMode::kNearest) {
    bool up = true;  // ratio == 1 (x integral): the upper neighbour is x itself
    if (ratio < 1) {
      switch (p.nearest) {
        case ResizeNearest::kRoundPreferFloor: up = ratio > 0.5; break;
        case ResizeNearest::kRoundPreferCeil: up = ratio >= 0.5; break;
        case ResizeNearest::kFloor: up = false; break;
        case ResizeNearest::kCeil: up = true; break;
      }
    }
    taps[0] = {clamp_index(base + (up ? 1 : 0)), 1.0};
    return;
  }
  // Linear and cubic, both possibly widened for antialiased downsampling (scale < 1).
  const double s = p.antialias ? std::min(scale, 1.0) : 1.0;
  const int64_t start = 1 - n / 2;  // taps cover base+start .. base+start+n-1
  double sum = 0;
  for (int k = 0; k < n; ++k) {
    const int64_t idx = base + start + k;
    const double d = (static_cast<double>(start + k) - ratio) * s;
    double w = p.mode == ResizeMode::kLinear ? std::clamp(1 - std::fabs(d), 0.0, 1.0) : cubic_weight(d, p.cubic_a);
    if (p.exclude_outside && (idx < 0 || idx >= in_len)) w = 0;
    taps[k] = {clamp_index(idx), w};
    sum += w;
  }
  if ((p.antialias || p.exclude_outside) && sum != 0)
    for (int k = 0; k < n; ++k) taps[k].weight /= sum;
}

template <class T>
T store(double v) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(v);
  else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return T(static_cast<float>(v));
  else {
    const double r = std::nearbyint(v);
    return static_cast<T>(std::clamp(r, static_cast<double>(std::numeric_limits<T>::lowest()),
                                     static_cast<double>(std::numeric_limits<T>::max())));
  }
}

template <class T>
void resize_typed(const TensorView& in, TensorView& out, const ResizeParams& p, Tap* const* tables) {
  const T* x = in.as<T>();
  T* y = out.as<T>();
  const int rank = p.rank;
  const Shape in_strides = strides_of(in.shape);
  int64_t idx[kMaxRank] = {};
  const int64_t total = out.numel();
  for (int64_t o = 0; o < total; ++o) {
    // Output multi-index of o (row-major).
    int64_t rem = o;
    bool outside = false;
    for (int d = rank - 1; d >= 0; --d) {
      idx[d] = rem % out.shape[d];
      rem /= out.shape[d];
      if (tables[d][idx[d] * p.taps[d]].index < 0) outside = true;
    }
    if (outside) {
      y[o] = store<T>(p.extrapolation_value);
      continue;
    }
    // Sum over the product of the axes' taps (zero weights skipped), axis by axis.
    double acc = 0;
    int k[kMaxRank] = {};
    for (;;) {
      double w = 1;
      int64_t off = 0;
      for (int d = 0; d < rank && w != 0; ++d) {
        const Tap& t = tables[d][idx[d] * p.taps[d] + k[d]];
        w *= t.weight;
        off += t.index * in_strides[d];
      }
      if (w != 0) acc += w * static_cast<double>(x[off]);
      int d = rank - 1;
      while (d >= 0 && ++k[d] == p.taps[d]) k[d--] = 0;
      if (d < 0) break;
    }
    y[o] = store<T>(acc);
  }
}

void resize_kernel(const KernelArgs& a) {
  resize(*a.in[0], a.has_in(1) && a.in[1]->numel() > 0 ? a.in[1] : nullptr, *a.out[0], a.p<ResizeParams>(), a.scratch);
}

}  // namespace

int resize_taps(const ResizeParams& p, double scale) {
  const double s = p.antialias ? std::min(scale, 1.0) : 1.0;
  switch (p.mode) {
    case ResizeMode::kNearest: return 1;
    case ResizeMode::kLinear: return static_cast<int>(2 - 2 * (std::floor(-1 / s) + 1));
    case ResizeMode::kCubic: return static_cast<int>(2 - 2 * (std::floor(-2 / s) + 1));
  }
  return 1;
}

int64_t resize_scratch_bytes(const Shape& out, const ResizeParams& p) {
  int64_t n = 0;
  for (int d = 0; d < out.rank(); ++d) n = checked_add(n, checked_mul(out[d], p.taps[d]));
  return checked_mul(n, static_cast<int64_t>(sizeof(Tap)));
}

void resize(const TensorView& in, const TensorView* roi, TensorView& out, const ResizeParams& p, void* scratch) {
  if (out.numel() == 0) return;
  Tap* tables[kMaxRank] = {};
  Tap* next = static_cast<Tap*>(scratch);
  for (int d = 0; d < p.rank; ++d) {
    tables[d] = next;
    next += out.shape[d] * p.taps[d];
    double start = 0, end = 1;
    if (p.coord == ResizeCoord::kTfCropAndResize && roi && p.roi_axis[d] >= 0) {
      WISP_CHECK(roi->numel() == 2 * p.roi_count, ErrorCode::kInvalidArgument, "Resize: roi has ", roi->numel(),
                 " values, expected ", 2 * p.roi_count);
      start = element_as_double(*roi, p.roi_axis[d]);
      end = element_as_double(*roi, p.roi_count + p.roi_axis[d]);
    }
    for (int64_t o = 0; o < out.shape[d]; ++o) {
      Tap* taps = tables[d] + o * p.taps[d];
      const double x = original_coordinate(p, static_cast<double>(o), p.scale[d], in.shape[d], out.shape[d], start, end);
      fill_taps(p, x, p.scale[d], in.shape[d], p.taps[d], taps);
      if (p.coord == ResizeCoord::kTfCropAndResize && (x < 0 || x > static_cast<double>(in.shape[d] - 1)))
        taps[0].index = -1;
    }
  }
  dispatch_dtype(in.dtype, "Resize", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(ErrorCode::kUnsupported, "Resize: bool input is not supported");
    else resize_typed<T>(in, out, p, tables);
  });
}

WISP_REGISTER_KERNEL("Resize", DType::kUndefined, Isa::kRef, resize_kernel);

}  // namespace wisp::ref
