// MaxPool on uint8 / int8 (the integer graph's pools: the QDQ pass-through leaves MaxPool
// on the quantized tensor), registered for AVX2 and AVX-512 sessions; 2-D windows without
// dilation (everything else, and the Indices output, runs the reference).
//
// Per output row: the window's input rows are max-reduced element-wise into one row
// (a loop the compiler vectorizes: pmaxub / pmaxsb), then each output takes the max of
// its kernel-width run of that row. Exact (max only), so bit-identical with the reference.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/pool.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class T>
void maxpool_plane(const T* x, const ref::WindowGeometry& g, T* y, T* rowmax) {
  const int64_t ih_n = g.in[1], iw_n = g.in[2], oh_n = g.out[1], ow_n = g.out[2];
  for (int64_t oh = 0; oh < oh_n; ++oh) {
    const int64_t h0 = oh * g.stride[1] - g.pad_begin[1];
    const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + g.kernel[1], ih_n);
    std::fill(rowmax, rowmax + iw_n, std::numeric_limits<T>::lowest());
    for (int64_t h = hs; h < he; ++h) {
      const T* row = x + h * iw_n;
      for (int64_t w = 0; w < iw_n; ++w) rowmax[w] = std::max(rowmax[w], row[w]);
    }
    T* yr = y + oh * ow_n;
    for (int64_t ow = 0; ow < ow_n; ++ow) {
      const int64_t w0 = ow * g.stride[2] - g.pad_begin[2];
      const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + g.kernel[2], iw_n);
      T m = std::numeric_limits<T>::lowest();
      for (int64_t w = ws; w < we; ++w) m = std::max(m, rowmax[w]);
      yr[ow] = m;
    }
  }
}

template <class T>
void maxpool_q8(const KernelArgs& a) {
  const ref::PoolParams& p = a.p<ref::PoolParams>();
  const ref::WindowGeometry& g = p.geo;
  const T* x = a.in[0]->as<const T>();
  T* y = a.out[0]->as<T>();
  const int64_t in_plane = g.in_size(), out_plane = g.out_size();
  parallel_for(a.pool, p.planes, [&](int64_t c0, int64_t c1) {
    T rowmax[4096];
    for (int64_t c = c0; c < c1; ++c) maxpool_plane(x + c * in_plane, g, y + c * out_plane, rowmax);
  });
}

void maxpool_q8_kernel(const KernelArgs& a) {
  static const KernelFn reference = find_kernel("", "MaxPool", DType::kUndefined, Isa::kRef);
  const ref::PoolParams& p = a.p<ref::PoolParams>();
  const ref::WindowGeometry& g = p.geo;
  const bool simple = p.kind == ref::PoolKind::kMax && g.spatial == 2 && g.dilation[1] == 1 && g.dilation[2] == 1 &&
                      g.in[0] == 1 && g.in[2] <= 4096 && !a.has_out(1);
  if (!simple) return reference(a);
  if (a.in[0]->dtype == DType::kI8) return maxpool_q8<int8_t>(a);
  maxpool_q8<uint8_t>(a);
}

}  // namespace

WISP_REGISTER_KERNEL("MaxPool", DType::kU8, Isa::kAvx2, maxpool_q8_kernel);
WISP_REGISTER_KERNEL("MaxPool", DType::kI8, Isa::kAvx2, maxpool_q8_kernel);
WISP_REGISTER_KERNEL("MaxPool", DType::kU8, Isa::kAvx512, maxpool_q8_kernel);
WISP_REGISTER_KERNEL("MaxPool", DType::kI8, Isa::kAvx512, maxpool_q8_kernel);

}  // namespace wisp::x86
