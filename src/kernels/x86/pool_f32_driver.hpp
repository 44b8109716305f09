// MaxPool, AveragePool (2-D, float32, NCHW) as direct window kernels, and the global pools,
// templated on an ISA's vector ops (simd_f32_<isa>.hpp); threaded over (image, channel)
// planes with static chunks, so results do not depend on the thread count.
//
// The window pools walk rows and columns with window_f32_driver.hpp. Both accumulate the
// taps in the reference kernel's order (kernel rows, then columns; the sum starts at 0 and
// is divided, not multiplied by a reciprocal), so they are bit-identical to it. The
// AveragePool divisor of an interior column depends only on the row: (kernel rows inside
// the input, or inside input + pads with count_include_pad) x kernel width; border
// columns count their taps one by one, which also covers ceil_mode windows that run past
// the end padding.
//
// The global pools reduce each plane with 4 vector accumulators and one horizontal sum,
// so GlobalAveragePool's rounding differs from the reference's serial sum (to ~1e-7
// relative); GlobalMaxPool is exact.
//
// ReduceMean over the innermost axes is GlobalAveragePool by another name and shares it;
// over middle axes with kept innermost ones (NHWC's mean over H, W) it sums channel vectors.
//
// MaxPool with the Indices output, LpPool, 3-D windows, column strides above 2 and other
// element types stay on the reference kernels.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/pool.hpp"
#include "kernels/ref/reduce.hpp"
#include "kernels/x86/window_f32_driver.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

template <class O>
struct MaxPoolOp {
  using V = typename O::V;
  static constexpr bool kSplitRows = true;  // max is exact in any order
  V init() const { return O::set1(kMinusInf); }
  static V identity() { return O::set1(kMinusInf); }
  static V combine(V a, V b) { return O::max(a, b); }
  V weight(int64_t, int64_t) const { return O::zero(); }
  static V tap(V acc, V x, V) { return O::max(x, acc); }
  V finish(V acc) const { return acc; }
  float init_s() const { return kMinusInf; }
  float tap_s(float acc, float x, int64_t, int64_t) const { return x > acc ? x : acc; }
  float finish_s(float acc, int64_t) const { return acc; }
  void begin_row(const RowSet&, int64_t) {}
};

template <class O>
struct AveragePoolOp {
  using V = typename O::V;
  const Window2d* g = nullptr;
  bool include_pad = false;
  int64_t rows_counted = 0;  // kernel rows of this output row that count toward the divisor
  V row_divisor{};

  static constexpr bool kSplitRows = false;  // the reference's summation order, exactly
  V init() const { return O::zero(); }
  static V identity() { return O::zero(); }
  static V combine(V a, V b) { return O::add(a, b); }
  V weight(int64_t, int64_t) const { return O::zero(); }
  static V tap(V acc, V x, V) { return O::add(acc, x); }
  // A row whose kernel rows all fall in the padding has divisor 0: the reference's 0.
  V finish(V acc) const { return rows_counted > 0 ? O::div(acc, row_divisor) : O::zero(); }
  float init_s() const { return 0.0f; }
  float tap_s(float acc, float x, int64_t, int64_t) const { return acc + x; }
  float finish_s(float acc, int64_t ow) const {
    int64_t cols = 0;
    const int64_t iw0 = ow * g->sw - g->pl;
    for (int64_t k = 0; k < g->kw; ++k) {
      const int64_t iw = iw0 + k * g->dw;
      cols += include_pad ? (iw >= -g->pl && iw < g->w + g->pr) : (iw >= 0 && iw < g->w);
    }
    const int64_t divisor = rows_counted * cols;
    return divisor > 0 ? acc / static_cast<float>(divisor) : 0.0f;
  }
  void begin_row(const RowSet& rs, int64_t oh) {
    rows_counted = rs.n;
    if (include_pad) {
      rows_counted = 0;
      const int64_t ih0 = oh * g->sh - g->pt;
      for (int64_t kh = 0; kh < g->kh; ++kh) {
        const int64_t ih = ih0 + kh * g->dh;
        rows_counted += ih >= -g->pt && ih < g->h + g->pb;
      }
    }
    row_divisor = O::set1(static_cast<float>(rows_counted * g->kw));
  }
};

inline bool window_pool_f32_supported(const KernelArgs& args) {
  const ref::PoolParams& p = args.p<ref::PoolParams>();
  return args.in[0]->dtype == DType::kF32 && !args.has_out(1) &&
         (p.kind == ref::PoolKind::kMax || p.kind == ref::PoolKind::kAverage) && window2d_ok(p.geo);
}

template <class O>
void window_pool_f32(const KernelArgs& args) {
  if (!window_pool_f32_supported(args)) {
    const KernelFn reference = find_kernel("", args.p<ref::PoolParams>().kind == ref::PoolKind::kMax ? "MaxPool" : "AveragePool",
                                           DType::kUndefined, Isa::kRef);
    return reference(args);
  }
  const ref::PoolParams& p = args.p<ref::PoolParams>();
  const Window2d g = window2d(p.geo);
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  const int64_t in_plane = g.h * g.w, out_plane = g.oh * g.ow;
  parallel_for(args.pool, p.planes, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      if (p.kind == ref::PoolKind::kMax) {
        MaxPoolOp<O> op;
        window_plane<O>(op, g, x + plane * in_plane, y + plane * out_plane);
      } else {
        AveragePoolOp<O> op;
        op.g = &g;
        op.include_pad = p.count_include_pad;
        window_plane<O>(op, g, x + plane * in_plane, y + plane * out_plane);
      }
    }
  });
}

// Max or mean of `size` contiguous floats.
template <class O>
inline float plane_max(const float* xp, int64_t size) {
  using V = typename O::V;
  constexpr int64_t kW = O::kW;
  const V init = O::set1(kMinusInf);
  V acc[4] = {init, init, init, init};
  int64_t i = 0;
  for (; i + 4 * kW <= size; i += 4 * kW)
    for (int u = 0; u < 4; ++u) acc[u] = O::max(O::template load<1>(xp + i + u * kW), acc[u]);
  for (; i + kW <= size; i += kW) acc[0] = O::max(O::template load<1>(xp + i), acc[0]);
  float r = O::hmax(O::max(O::max(acc[0], acc[1]), O::max(acc[2], acc[3])));
  for (; i < size; ++i) r = xp[i] > r ? xp[i] : r;
  return r;
}

template <class O>
inline float plane_mean(const float* xp, int64_t size) {
  using V = typename O::V;
  constexpr int64_t kW = O::kW;
  V acc[4] = {O::zero(), O::zero(), O::zero(), O::zero()};
  int64_t i = 0;
  for (; i + 4 * kW <= size; i += 4 * kW)
    for (int u = 0; u < 4; ++u) acc[u] = O::add(acc[u], O::template load<1>(xp + i + u * kW));
  for (; i + kW <= size; i += kW) acc[0] = O::add(acc[0], O::template load<1>(xp + i));
  if (i < size) acc[1] = O::add(acc[1], O::template load_n<1>(xp + i, static_cast<int>(size - i)));
  return O::hsum(O::add(O::add(acc[0], acc[1]), O::add(acc[2], acc[3]))) / static_cast<float>(size);
}

template <class O>
void global_pool_f32(const KernelArgs& args) {
  const ref::GlobalPoolParams& p = args.p<ref::GlobalPoolParams>();
  if (args.in[0]->dtype != DType::kF32 || p.kind == ref::PoolKind::kLp) {
    const KernelFn reference = find_kernel("", p.kind == ref::PoolKind::kMax ? "GlobalMaxPool" : "GlobalAveragePool",
                                           DType::kUndefined, Isa::kRef);
    return reference(args);
  }
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  const int64_t size = p.plane_size;
  const bool is_max = p.kind == ref::PoolKind::kMax;
  parallel_for(args.pool, p.planes, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane)
      y[plane] = is_max ? plane_max<O>(x + plane * size, size) : plane_mean<O>(x + plane * size, size);
  });
}

// ReduceMean whose reduced axes are the innermost ones (exporters write global average
// pooling as ReduceMean over H, W): the mean of each contiguous run of the input, as
// GlobalAveragePool computes it. Other axes and types: the reference (which sums in double).
// The input as [outer, R, inner] with the R reduced elements of a row `inner` apart and
// the kept axes row-major around them (NHWC's mean over H, W: [N, H*W, C]); false if the
// axes do not fall that way.
inline bool middle_axes(const ref::ReduceParams& p, int64_t& outer, int64_t& r, int64_t& inner) {
  int k = p.kept.count - 1;
  int64_t expect = 1;
  for (; k >= 0 && p.kept.strides[k] == expect && p.kept.strides[k] < p.reduced.strides[p.reduced.count - 1]; --k)
    expect *= p.kept.dims[k];
  inner = expect;
  for (int j = p.reduced.count - 1; j >= 0; --j) {
    if (p.reduced.strides[j] != expect) return false;
    expect *= p.reduced.dims[j];
  }
  r = expect / inner;
  for (; k >= 0; --k) {
    if (p.kept.strides[k] != expect) return false;
    expect *= p.kept.dims[k];
  }
  outer = expect / (r * inner);
  return true;
}

// The mean over the middle axis of [outer, R, inner]: `inner` running sums in vectors,
// each summed over R in order (like the x86 GlobalAveragePool, float sums; the reference
// sums in double), threaded over blocks of 64 columns.
template <class O>
void reduce_mean_middle_f32(const KernelArgs& args, int64_t outer, int64_t r, int64_t inner) {
  constexpr int64_t kBlock = 64;
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const typename O::V count = O::set1(static_cast<float>(r));
  parallel_for(args.pool, outer * blocks, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / blocks, c0 = u % blocks * kBlock;
      const int64_t width = std::min(kBlock, inner - c0);
      const float* xo = x + o * r * inner + c0;
      for (int64_t c = 0; c < width; c += O::kW) {
        const int n = static_cast<int>(std::min<int64_t>(O::kW, width - c));
        typename O::V acc = O::zero();
        for (int64_t i = 0; i < r; ++i) acc = O::add(acc, O::template load_n<1>(xo + i * inner + c, n));
        O::store_n(y + o * inner + c0 + c, O::div(acc, count), n);
      }
    }
  });
}

template <class O>
void reduce_mean_f32(const KernelArgs& args) {
  const ref::ReduceParams& p = args.p<ref::ReduceParams>();
  int64_t outer = 0, r = 0, inner = 0;
  if (args.in[0]->dtype == DType::kF32 && p.kind == ref::ReduceKind::kMean && !p.noop && p.reduced.count > 0 &&
      p.kept.count > 0 && middle_axes(p, outer, r, inner) && inner > 1 && r > 0)
    return reduce_mean_middle_f32<O>(args, outer, r, inner);
  bool innermost = args.in[0]->dtype == DType::kF32 && p.kind == ref::ReduceKind::kMean && !p.noop && p.reduced.count > 0;
  int64_t expect = 1;  // row-major strides of the reduced axes, then of the kept ones
  for (int k = p.reduced.count - 1; k >= 0 && innermost; --k) {
    innermost = p.reduced.strides[k] == expect;
    expect *= p.reduced.dims[k];
  }
  const int64_t size = expect;
  for (int k = p.kept.count - 1; k >= 0 && innermost; --k) {
    innermost = p.kept.strides[k] == expect;
    expect *= p.kept.dims[k];
  }
  if (!innermost || size == 0) {
    static const KernelFn reference = find_kernel("", "ReduceMean", DType::kUndefined, Isa::kRef);
    return reference(args);
  }
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  parallel_for(args.pool, p.kept.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = plane_mean<O>(x + i * size, size);
  });
}

}  // namespace
}  // namespace wisp::x86
