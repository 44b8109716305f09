// Reference NhwcMaxPool / NhwcAveragePool / NhwcGlobalAveragePool (ir/ops/pool_nhwc.cpp):
// the NCHW reference pools' loops (pool.cpp) with the channel as the innermost index, so
// each output element is reduced from the same taps in the same order as there -- the
// results equal the NCHW ops' on transposed data exactly.
#include <limits>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/pool.hpp"

namespace wisp::ref {
namespace {

template <class T>
using value_t = std::conditional_t<std::is_integral_v<T>, T, acc_t<T>>;

template <class T>
void nhwc_window_pool_typed(const KernelArgs& a) {
  using V = value_t<T>;
  const PoolParams& p = a.p<PoolParams>();
  const WindowGeometry& g = p.geo;  // 2-D: dims 1 (H) and 2 (W); dim 0 is 1
  const int64_t c_n = p.channels;
  const T* x = a.in[0]->as<const T>();
  T* y = a.out[0]->as<T>();
  for (int64_t n = 0; n < p.planes; ++n) {
    const T* xn = x + n * g.in_size() * c_n;
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow)
        for (int64_t c = 0; c < c_n; ++c) {
          V best = std::numeric_limits<V>::lowest();
          if constexpr (std::numeric_limits<V>::has_infinity) best = -std::numeric_limits<V>::infinity();
          bool any = false;
          V sum = 0;
          int64_t count = 0, padded_count = 0;
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
              padded_count += ih >= -g.pad_begin[1] && ih < g.in[1] + g.pad_end[1] && iw >= -g.pad_begin[2] &&
                              iw < g.in[2] + g.pad_end[2];
              if (ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
              const V v = static_cast<V>(xn[(ih * g.in[2] + iw) * c_n + c]);
              ++count;
              if (p.kind == PoolKind::kMax) {
                if (v > best || !any) best = v;
                any = true;
              } else {
                sum += v;
              }
            }
          }
          V result = best;
          if (p.kind == PoolKind::kAverage) {
            const int64_t divisor = p.count_include_pad ? padded_count : count;
            result = divisor > 0 ? sum / static_cast<V>(divisor) : V(0);
          }
          *y++ = static_cast<T>(result);
        }
  }
}

template <class T>
void nhwc_global_average_pool_typed(const KernelArgs& a) {
  using V = acc_t<T>;
  const GlobalPoolParams& p = a.p<GlobalPoolParams>();
  const T* x = a.in[0]->as<const T>();
  T* y = a.out[0]->as<T>();
  for (int64_t n = 0; n < p.planes; ++n)
    for (int64_t c = 0; c < p.channels; ++c) {
      const T* xc = x + n * p.plane_size * p.channels + c;
      V acc = 0;
      for (int64_t i = 0; i < p.plane_size; ++i) acc += static_cast<V>(xc[i * p.channels]);
      y[n * p.channels + c] = static_cast<T>(acc / static_cast<V>(p.plane_size));
    }
}

template <template <class> class K>
void dispatch(const KernelArgs& a, const char* op) {
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

template <class T> struct WindowPoolK { static void run(const KernelArgs& a) { nhwc_window_pool_typed<T>(a); } };
template <class T> struct GlobalAvgK {
  static void run(const KernelArgs& a) {
    if constexpr (std::is_integral_v<T>) fail(ErrorCode::kUnsupported, "NhwcGlobalAveragePool: integer input");
    else nhwc_global_average_pool_typed<T>(a);
  }
};

void nhwc_window_pool_kernel(const KernelArgs& a) { dispatch<WindowPoolK>(a, "Nhwc pool"); }
void nhwc_global_average_pool_kernel(const KernelArgs& a) { dispatch<GlobalAvgK>(a, "NhwcGlobalAveragePool"); }

}  // namespace

WISP_REGISTER_KERNEL("NhwcMaxPool", DType::kUndefined, Isa::kRef, nhwc_window_pool_kernel, "com.wisp");
WISP_REGISTER_KERNEL("NhwcAveragePool", DType::kUndefined, Isa::kRef, nhwc_window_pool_kernel, "com.wisp");
WISP_REGISTER_KERNEL("NhwcGlobalAveragePool", DType::kUndefined, Isa::kRef, nhwc_global_average_pool_kernel,
                     "com.wisp");

}  // namespace wisp::ref
