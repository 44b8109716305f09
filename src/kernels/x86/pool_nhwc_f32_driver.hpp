// NhwcMaxPool, NhwcAveragePool and NhwcGlobalAveragePool (float32) vectorised over channels.
//
// In NHWC every window tap of an output pixel is a contiguous run of C floats, so a pool is
// a max / sum of whole channel vectors: no tails along the rows, strides and dilations only
// move pointers. Per output pixel the valid kernel rows and columns (inside the input) are
// computed once, the channels are walked 4 vectors at a time (4 independent chains hide the
// max/add latency), then single vectors, then one masked vector.
//
// The taps are visited in the reference kernel's order (kernel rows, then columns; the
// sum starts at 0 and is divided by the count, not multiplied by a reciprocal), so both
// window pools are bit-identical to the reference, and so is the global average (each
// channel summed over positions in order, then divided by H x W).
//
// Threads: output rows (N x OH) for the window pools, (image, block of 4 vectors of
// channels) for the global pool, in static chunks, so results do not depend on the thread
// count.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <cstdint>
#include <limits>

#include "kernels/ref/pool.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "kernels/x86/pool_nhwc_f32.hpp"

namespace wisp::x86 {
namespace {

// First and one-past-last tap k (of `taps`, spacing `dil`) with start + k * dil in [lo, hi).
inline void taps_within(int64_t start, int64_t dil, int64_t taps, int64_t lo, int64_t hi, int64_t& k0, int64_t& k1) {
  k0 = start >= lo ? 0 : (lo - start + dil - 1) / dil;
  k1 = hi - start <= 0 ? 0 : (hi - start + dil - 1) / dil;
  if (k1 > taps) k1 = taps;
  if (k0 > k1) k0 = k1;
}

struct PoolPixel {
  const float* x = nullptr;  // the image [H, W, C]
  int64_t w = 0, c = 0;      // input width, channels
  int64_t ih0 = 0, iw0 = 0;  // input position of tap (0, 0)
  int64_t dh = 1, dw = 1;
  int64_t kh0 = 0, kh1 = 0, kw0 = 0, kw1 = 0;  // valid taps
};

inline V vdiv(V a, V b) {
#ifdef __AVX512F__
  return _mm512_div_ps(a, b);
#else
  return _mm256_div_ps(a, b);
#endif
}

template <bool kMax, int kVecs, bool kMasked>
inline void pool_channels(const PoolPixel& px, int64_t c, Vf::Mask m, float divisor, float* y) {
  V acc[kVecs];
  const V init = Vf::set(kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
#pragma GCC unroll 4
  for (int i = 0; i < kVecs; ++i) acc[i] = init;
  // Max starts from the window's first tap, as the reference does: a nan there then stays
  // (max(v, acc) returns acc when either is nan), and a nan in a later tap is skipped
  // (the reference's `v > best` is false). Taking the first tap again in the loop is a no-op.
  if (kMax && px.kh0 < px.kh1 && px.kw0 < px.kw1) {
    const float* p = px.x + ((px.ih0 + px.kh0 * px.dh) * px.w + px.iw0 + px.kw0 * px.dw) * px.c + c;
#pragma GCC unroll 4
    for (int i = 0; i < kVecs; ++i) acc[i] = kMasked ? Vf::load(p + i * Vf::kLanes, m) : Vf::load(p + i * Vf::kLanes);
  }
  for (int64_t kh = px.kh0; kh < px.kh1; ++kh) {
    const float* row = px.x + ((px.ih0 + kh * px.dh) * px.w + px.iw0) * px.c + c;
    for (int64_t kw = px.kw0; kw < px.kw1; ++kw) {
      const float* p = row + kw * px.dw * px.c;
#pragma GCC unroll 4
      for (int i = 0; i < kVecs; ++i) {
        const V v = kMasked ? Vf::load(p + i * Vf::kLanes, m) : Vf::load(p + i * Vf::kLanes);
        acc[i] = kMax ? Vf::max(v, acc[i]) : Vf::add(acc[i], v);
      }
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < kVecs; ++i) {
    V r = acc[i];
    if constexpr (!kMax) r = divisor > 0 ? vdiv(r, Vf::set(divisor)) : Vf::set(0.0f);
    if constexpr (kMasked) Vf::store(y + c + i * Vf::kLanes, r, m);
    else Vf::store(y + c + i * Vf::kLanes, r);
  }
}

template <bool kMax>
inline void pool_pixel(const PoolPixel& px, float divisor, float* y) {
  constexpr int64_t kL = Vf::kLanes;
  int64_t c = 0;
  for (; c + 4 * kL <= px.c; c += 4 * kL) pool_channels<kMax, 4, false>(px, c, Vf::mask(kL), divisor, y);
  for (; c + kL <= px.c; c += kL) pool_channels<kMax, 1, false>(px, c, Vf::mask(kL), divisor, y);
  if (c < px.c) pool_channels<kMax, 1, true>(px, c, Vf::mask(px.c - c), divisor, y);
}

template <bool kMax>
void window_pool_nhwc_t(const NhwcPoolF32Args& a) {
  const ref::PoolParams& p = *a.p;
  const ref::WindowGeometry& g = p.geo;
  const int64_t h = g.in[1], w = g.in[2], oh_n = g.out[1], ow_n = g.out[2], c = a.channels;
  parallel_for(a.pool, p.planes * oh_n, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / oh_n, oh = row % oh_n;
      PoolPixel px;
      px.x = a.x + n * h * w * c;
      px.w = w, px.c = c, px.dh = g.dilation[1], px.dw = g.dilation[2];
      px.ih0 = oh * g.stride[1] - g.pad_begin[1];
      taps_within(px.ih0, px.dh, g.kernel[1], 0, h, px.kh0, px.kh1);
      int64_t ph0 = 0, ph1 = 0;  // kernel rows inside input + pads (count_include_pad)
      taps_within(px.ih0, px.dh, g.kernel[1], -g.pad_begin[1], h + g.pad_end[1], ph0, ph1);
      float* y = a.y + row * ow_n * c;
      for (int64_t ow = 0; ow < ow_n; ++ow, y += c) {
        px.iw0 = ow * g.stride[2] - g.pad_begin[2];
        taps_within(px.iw0, px.dw, g.kernel[2], 0, w, px.kw0, px.kw1);
        float divisor = 0;
        if constexpr (!kMax) {
          int64_t count = (px.kh1 - px.kh0) * (px.kw1 - px.kw0);
          if (p.count_include_pad) {
            int64_t pw0 = 0, pw1 = 0;
            taps_within(px.iw0, px.dw, g.kernel[2], -g.pad_begin[2], w + g.pad_end[2], pw0, pw1);
            count = (ph1 - ph0) * (pw1 - pw0);
          }
          divisor = static_cast<float>(count);
        }
        pool_pixel<kMax>(px, divisor, y);
      }
    }
  });
}

// y[n, c] = (sum over positions of x[n, pos, c]) / positions, 4 vectors of channels per
// work item.
void global_average_pool_nhwc_t(const NhwcGlobalPoolF32Args& a) {
  constexpr int64_t kL = Vf::kLanes, kBlock = 4 * kL;
  const int64_t c = a.channels, positions = a.positions;
  const int64_t blocks = (c + kBlock - 1) / kBlock;
  const float divisor = static_cast<float>(positions);
  parallel_for(a.pool, a.images * blocks, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t n = item / blocks, c0 = item % blocks * kBlock;
      const float* x = a.x + n * positions * c;
      float* y = a.y + n * c;
      const int64_t c1 = c0 + kBlock < c ? c0 + kBlock : c;
      if (c1 - c0 == kBlock) {
        V acc[4] = {Vf::set(0.0f), Vf::set(0.0f), Vf::set(0.0f), Vf::set(0.0f)};
        for (int64_t pos = 0; pos < positions; ++pos) {
          const float* xp = x + pos * c + c0;
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) acc[i] = Vf::add(acc[i], Vf::load(xp + i * kL));
        }
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) Vf::store(y + c0 + i * kL, vdiv(acc[i], Vf::set(divisor)));
        continue;
      }
      for (int64_t cc = c0; cc < c1; cc += kL) {  // the last block: vector by vector, masked tail
        const Vf::Mask m = Vf::mask(c1 - cc);
        V acc = Vf::set(0.0f);
        for (int64_t pos = 0; pos < positions; ++pos) acc = Vf::add(acc, Vf::load(x + pos * c + cc, m));
        Vf::store(y + cc, vdiv(acc, Vf::set(divisor)), m);
      }
    }
  });
}

}  // namespace
}  // namespace wisp::x86
