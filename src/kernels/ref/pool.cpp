// Reference pooling kernels: one loop nest over (plane, output position, window tap) for
// every window pool; the geometry is always 3-D (conv_geometry.hpp).
#include "kernels/ref/pool.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp::ref {
namespace {

template <class T>
using value_t = std::conditional_t<std::is_integral_v<T>, T, acc_t<T>>;

template <class T>
void window_pool_typed(const KernelArgs& a) {
  using V = value_t<T>;
  const PoolParams& p = a.p<PoolParams>();
  const WindowGeometry& g = p.geo;
  const T* x = a.in[0]->as<const T>();
  T* y = a.out[0]->as<T>();
  int64_t* indices = a.has_out(1) ? a.out[1]->as<int64_t>() : nullptr;
  const int64_t in_size = g.in_size();
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const T* xp = x + plane * in_size;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const int64_t start[3] = {od * g.stride[0] - g.pad_begin[0], oh * g.stride[1] - g.pad_begin[1],
                                    ow * g.stride[2] - g.pad_begin[2]};
          V best = std::numeric_limits<V>::lowest();
          if constexpr (std::numeric_limits<V>::has_infinity) best = -std::numeric_limits<V>::infinity();
          int64_t best_at = -1;
          V sum = 0;
          int64_t count = 0, padded_count = 0;
          for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
            const int64_t id = start[0] + kd * g.dilation[0];
            for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
              const int64_t ih = start[1] + kh * g.dilation[1];
              for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                const int64_t iw = start[2] + kw * g.dilation[2];
                const int64_t pos[3] = {id, ih, iw};
                bool inside = true, inside_pads = true;
                for (int d = 0; d < 3; ++d) {
                  inside = inside && pos[d] >= 0 && pos[d] < g.in[d];
                  inside_pads = inside_pads && pos[d] >= -g.pad_begin[d] && pos[d] < g.in[d] + g.pad_end[d];
                }
                padded_count += inside_pads;
                if (!inside) continue;
                const int64_t at = (id * g.in[1] + ih) * g.in[2] + iw;
                const V v = static_cast<V>(xp[at]);
                ++count;
                if (p.kind == PoolKind::kMax) {
                  if (v > best || best_at < 0) {
                    best = v;
                    best_at = p.column_major_indices ? (iw * g.in[1] + ih) * g.in[0] + id : at;
                  }
                } else if (p.kind == PoolKind::kAverage) {
                  sum += v;
                } else {
                  sum += static_cast<V>(std::pow(std::abs(v), static_cast<V>(p.p)));
                }
              }
            }
          }
          V result;
          if (p.kind == PoolKind::kMax) {
            result = best;
            if (indices) *indices++ = best_at < 0 ? -1 : plane * in_size + best_at;
          } else if (p.kind == PoolKind::kAverage) {
            const int64_t divisor = p.count_include_pad ? padded_count : count;
            result = divisor > 0 ? sum / static_cast<V>(divisor) : V(0);
          } else {
            result = static_cast<V>(std::pow(sum, V(1) / static_cast<V>(p.p)));
          }
          *y++ = static_cast<T>(result);
        }
  }
}

template <class T>
void global_pool_typed(const KernelArgs& a) {
  using V = value_t<T>;
  const GlobalPoolParams& p = a.p<GlobalPoolParams>();
  const T* x = a.in[0]->as<const T>();
  T* y = a.out[0]->as<T>();
  for (int64_t plane = 0; plane < p.planes; ++plane) {
    const T* xp = x + plane * p.plane_size;
    V acc = p.kind == PoolKind::kMax ? static_cast<V>(xp[0]) : V(0);
    for (int64_t i = 0; i < p.plane_size; ++i) {
      const V v = static_cast<V>(xp[i]);
      if (p.kind == PoolKind::kMax) acc = v > acc ? v : acc;
      else if (p.kind == PoolKind::kAverage) acc += v;
      else acc += static_cast<V>(std::pow(std::abs(v), static_cast<V>(p.p)));
    }
    if (p.kind == PoolKind::kAverage) acc /= static_cast<V>(p.plane_size);
    if (p.kind == PoolKind::kLp) acc = static_cast<V>(std::pow(acc, V(1) / static_cast<V>(p.p)));
    y[plane] = static_cast<T>(acc);
  }
}

template <class T>
void max_unpool_typed(const KernelArgs& a) {
  const MaxUnpoolParams& p = a.p<MaxUnpoolParams>();
  const int64_t n = a.in[0]->numel();
  TensorView* out = a.out[0];
  if (p.out_numel < 0) {  // declared dynamic: output_shape was not known at prepare
    const TensorView& s = *a.in[2];
    Shape shape;
    for (int64_t i = 0; i < s.numel(); ++i) shape.push_back(element_as_int(s, i));
    WISP_CHECK(shape.rank() == a.in[0]->shape.rank(), ErrorCode::kInvalidArgument,
               "MaxUnpool: output_shape must have X's rank");
    out = &a.alloc_output(0, a.in[0]->dtype, shape);
  }
  const int64_t out_n = out->numel();
  // Output spatial dims, normalised to 3-D; indices are decoded in the default dims.
  int64_t dims[kMaxWindowDims] = {1, 1, 1};
  for (int d = 0; d < p.spatial; ++d) dims[kMaxWindowDims - p.spatial + d] = out->shape[2 + d];
  const int64_t default_plane = p.default_dims[0] * p.default_dims[1] * p.default_dims[2];
  const int64_t out_plane = dims[0] * dims[1] * dims[2];
  const T* x = a.in[0]->as<const T>();
  const int64_t* idx = a.in[1]->as<const int64_t>();
  T* y = out->as<T>();
  for (int64_t i = 0; i < out_n; ++i) y[i] = static_cast<T>(0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t plane = idx[i] / default_plane, r = idx[i] % default_plane;
    const int64_t w = r % p.default_dims[2], h = r / p.default_dims[2] % p.default_dims[1];
    const int64_t dd = r / (p.default_dims[2] * p.default_dims[1]);
    const int64_t at = plane * out_plane + (dd * dims[1] + h) * dims[2] + w;
    WISP_CHECK(idx[i] >= 0 && w < dims[2] && h < dims[1] && dd < dims[0] && at < out_n, ErrorCode::kOutOfRange,
               "MaxUnpool: index ", idx[i], " is outside the output ", out->shape.str());
    y[at] = x[i];
  }
}

// Dispatch over the floating types, plus int8/uint8 where `with_int8`.
template <template <class> class K>
void dispatch_pool(const KernelArgs& a, const char* op) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return K<float>::run(a);
    case DType::kF64: return K<double>::run(a);
    case DType::kF16: return K<Float16>::run(a);
    case DType::kBF16: return K<BFloat16>::run(a);
    case DType::kI8: return K<int8_t>::run(a);
    case DType::kU8: return K<uint8_t>::run(a);
    default: fail(ErrorCode::kUnsupported, op, ": element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

template <class T> struct WindowPoolK { static void run(const KernelArgs& a) { window_pool_typed<T>(a); } };
template <class T> struct GlobalPoolK { static void run(const KernelArgs& a) { global_pool_typed<T>(a); } };
template <class T> struct MaxUnpoolK { static void run(const KernelArgs& a) { max_unpool_typed<T>(a); } };

void window_pool_kernel(const KernelArgs& a) { dispatch_pool<WindowPoolK>(a, "pool"); }
void global_pool_kernel(const KernelArgs& a) { dispatch_pool<GlobalPoolK>(a, "global pool"); }
void max_unpool_kernel(const KernelArgs& a) { dispatch_pool<MaxUnpoolK>(a, "MaxUnpool"); }

}  // namespace

WISP_REGISTER_KERNEL("MaxPool", DType::kUndefined, Isa::kRef, window_pool_kernel);
WISP_REGISTER_KERNEL("AveragePool", DType::kUndefined, Isa::kRef, window_pool_kernel);
WISP_REGISTER_KERNEL("LpPool", DType::kUndefined, Isa::kRef, window_pool_kernel);
WISP_REGISTER_KERNEL("GlobalMaxPool", DType::kUndefined, Isa::kRef, global_pool_kernel);
WISP_REGISTER_KERNEL("GlobalAveragePool", DType::kUndefined, Isa::kRef, global_pool_kernel);
WISP_REGISTER_KERNEL("GlobalLpPool", DType::kUndefined, Isa::kRef, global_pool_kernel);
WISP_REGISTER_KERNEL("MaxUnpool", DType::kUndefined, Isa::kRef, max_unpool_kernel);

}  // namespace wisp::ref
