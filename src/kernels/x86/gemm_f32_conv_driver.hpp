// Tiled im2col + GEMM for the float32 group-1 Conv, templated on one ISA's microkernel and
// included only by the ISA files (internal linkage, like gemm_f32_driver.hpp).
//
// Per image, Y[M, P] = W[M, K] x cols[K, P] (M output channels, K = Cin x kernel size, P
// output positions). The full im2col matrix is never built: the work is cut into units of
// (image, tile of NC output positions, block of MC output channels). A unit walks K in
// KC steps; at each step it writes the KC x NC block of cols straight into the
// microkernel's packed-B layout (panels of NR columns) in its thread's scratch slot, so the
// "im2col" and the "pack B" are one pass over data that stays in L2, and then runs the
// MC rows of the prepacked weights (pack_conv_weights, packed once per Session by
// conv_f32_ops.cpp) over it. The MC x NC tile of Y is still in cache when the unit applies
// bias and activation to it (a residual "sum" operand instead starts the tile's sum).
//
// Threads take contiguous ranges of units (static chunks). Every element of Y is summed
// over the same KC steps in the same order whatever unit holds it, and the epilogue is
// per element, so results are bit-identical for any thread count.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/x86/gemm_f32.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

// KC steps of equal size (at most kConvTileK): K = 576 runs as 3 x 192, not 256 + 256 + 64.
inline int64_t conv_kc(int64_t k) {
  const int64_t steps = (k + ref::kConvTileK - 1) / ref::kConvTileK;
  return (k + steps - 1) / steps;
}

// Packs the weights W [m, k] (row stride a_rs) in the order the driver reads them: one
// block per KC step, each holding the panels of Mr rows (kc x Mr, k-major, rows past m
// zero). A KC step then streams one contiguous block instead of hopping across panels.
// Element (i, kk) of step p0 (kk = p0 + t) sits at p0 * mpad + i / Mr * kc * Mr + t * Mr + i % Mr.
template <int64_t Mr>
void pack_conv_weights(int64_t m, int64_t k, const float* a, int64_t a_rs, float* out) {
  const int64_t kc_max = conv_kc(k), mpad = (m + Mr - 1) / Mr * Mr;
  for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
    const int64_t kc = std::min(kc_max, k - p0);
    float* block = out + p0 * mpad;
    for (int64_t i0 = 0; i0 < m; i0 += Mr)
      for (int64_t t = 0; t < kc; ++t)
        for (int64_t r = 0; r < Mr; ++r)
          block[i0 * kc + t * Mr + r] = i0 + r < m ? a[(i0 + r) * a_rs + p0 + t] : 0.0f;
  }
}

// Writes one row (kk) of a KC x NC cols block into packed-B panels of Nr columns.
template <int64_t Nr>
struct PanelRowWriter {
  float* base;        // the slot: panel q starts at base + q * panel_stride
  int64_t panel_stride;  // kc * Nr

  float* at(int64_t jj) const { return base + jj / Nr * panel_stride + jj % Nr; }
  // Runs are at most Nr floats (one panel row): vector copies with a masked tail beat
  // memcpy calls. (Masked AVX2 stores are slow on AMD, so full vectors go unmasked.)
  void zero(int64_t jj, int64_t count) const {
    while (count > 0) {
      const int64_t run = std::min(count, Nr - jj % Nr);
      float* d = at(jj);
      int64_t t = 0;
      for (; t + Vf::kLanes <= run; t += Vf::kLanes) Vf::store(d + t, Vf::set(0.0f));
      if (t < run) Vf::store(d + t, Vf::set(0.0f), Vf::mask(run - t));
      jj += run;
      count -= run;
    }
  }
  void copy(int64_t jj, const float* src, int64_t stride, int64_t count) const {
    while (count > 0) {
      const int64_t run = std::min(count, Nr - jj % Nr);
      float* d = at(jj);
      if (stride == 1) {
        int64_t t = 0;
        for (; t + Vf::kLanes <= run; t += Vf::kLanes) Vf::store(d + t, Vf::load(src + t));
        if (t < run) {
          const Vf::Mask m = Vf::mask(run - t);
          Vf::store(d + t, Vf::load(src + t, m), m);
        }
      } else if (stride == 2) {  // stride-2 convs (ResNet's stem and downsampling): even lanes
        for (int64_t t = 0; t < run; t += Vf::kLanes) {
          const int64_t cnt = std::min<int64_t>(Vf::kLanes, run - t);
          const V v = Vf::load_stride2(src + 2 * t, cnt);
          if (cnt == Vf::kLanes) {
            Vf::store(d + t, v);
          } else {
            Vf::store(d + t, v, Vf::mask(cnt));
          }
        }
      } else {
        for (int64_t t = 0; t < run; ++t) d[t] = src[t * stride];
      }
      src += run * stride;
      jj += run;
      count -= run;
    }
  }
};

// Output positions [j0, j0 + len) of one tile, cut where the output row (od, oh) changes.
struct TileRow {
  int64_t jj, len, od, oh, ow0;
};

// im2col of rows [p0, p0 + kc) and positions [j0, j1) into packed-B panels at `slot`
// (positions past j1 up to the panel edge are zero).
template <int64_t Nr>
void pack_cols_block(const float* x, const ref::WindowGeometry& g, const TileRow* rows, int nrows, int64_t p0,
                     int64_t kc, int64_t tile_len, float* slot) {
  const int64_t ksize = g.kernel_size(), in_hw = g.in[1] * g.in[2];
  const int64_t padded = (tile_len + Nr - 1) / Nr * Nr;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const int64_t row = p0 + kk;
    const int64_t c = row / ksize, tap = row % ksize;
    const int64_t kd = tap / (g.kernel[1] * g.kernel[2]), kh = tap / g.kernel[2] % g.kernel[1], kw = tap % g.kernel[2];
    const float* xc = x + c * g.in_size();
    const PanelRowWriter<Nr> w{slot + kk * Nr, kc * Nr};
    for (int r = 0; r < nrows; ++r) {
      const TileRow& t = rows[r];
      const int64_t id = t.od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
      const int64_t ih = t.oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
        w.zero(t.jj, t.len);
        continue;
      }
      const int64_t s = g.stride[2], iw0 = t.ow0 * s - g.pad_begin[2] + kw * g.dilation[2];
      // Positions t in [lo, hi) read inside the input row; the rest are padding.
      const int64_t lo = std::min(t.len, iw0 >= 0 ? 0 : (-iw0 + s - 1) / s);
      const int64_t hi = std::clamp(iw0 > g.in[2] - 1 ? 0 : (g.in[2] - 1 - iw0) / s + 1, lo, t.len);
      w.zero(t.jj, lo);
      w.copy(t.jj + lo, xc + id * in_hw + ih * g.in[2] + iw0 + lo * s, s, hi - lo);
      w.zero(t.jj + hi, t.len - hi);
    }
    w.zero(tile_len, padded - tile_len);
  }
}

// The geometry the driver tiles: a 1x1 stride-1 unpadded conv reads each input plane as
// one long row (positions are contiguous in the input), so a tile is one run per channel
// whatever the image width.
inline ref::WindowGeometry tiled_geometry(const ref::ConvParams& p) {
  if (!ref::conv_is_pointwise(p.geo)) return p.geo;
  ref::WindowGeometry g;
  g.in[2] = g.out[2] = p.geo.out_size();
  return g;
}

// The output rows of positions [j0, j0 + len): (od, oh) runs of consecutive positions.
inline int tile_rows(const ref::WindowGeometry& g, int64_t j0, int64_t len, TileRow* rows) {
  int nrows = 0;
  for (int64_t j = j0; j < j0 + len;) {
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t run = std::min(g.out[2] - ow, j0 + len - j);
    rows[nrows++] = TileRow{j - j0, run, od, oh, ow};
    j += run;
  }
  return nrows;
}

template <class Kernel>
void conv_blocked(const ConvF32Args& a, ThreadPool* pool) {
  constexpr int64_t kMr = Kernel::kMr, kNr = Kernel::kNr;
  static_assert(ref::kConvTileP % kNr == 0);
  const ref::ConvParams& p = *a.p;
  const ref::WindowGeometry g = tiled_geometry(p);
  const int64_t m = p.out_channels, k = ref::ws_per_out(p), positions = g.out_size();
  const int64_t kc_max = conv_kc(k);
  const int64_t mpad = (m + kMr - 1) / kMr * kMr;
  const int64_t nc = std::min(ref::kConvTileP, (positions + kNr - 1) / kNr * kNr);
  const int64_t tiles = (positions + nc - 1) / nc;
  const int64_t threads = std::min<int64_t>(pool ? pool->threads() : 1, a.slots);
  // Split output channels only as far as needed to give every thread two units.
  const int64_t want_cb = (2 * threads + p.batch * tiles - 1) / (p.batch * tiles);
  const int64_t rows_per_block = threads > 1 ? (m + want_cb - 1) / want_cb : m;
  const int64_t mc = (rows_per_block + kMr - 1) / kMr * kMr;
  const int64_t cblocks = (m + mc - 1) / mc;
  const int64_t units = p.batch * tiles * cblocks;
  const int64_t in_image = p.in_channels * p.geo.in_size(), out_image = m * positions;
  parallel_for(pool, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* slot = a.scratch + t * a.slot_floats;
      int64_t u0, u1;
      ThreadPool::chunk(units, static_cast<int>(threads), static_cast<int>(t), u0, u1);
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t n = u / (tiles * cblocks), tile = u / cblocks % tiles, cb = u % cblocks;
        const int64_t j0 = tile * nc, tile_len = std::min(nc, positions - j0);
        const int64_t i0 = cb * mc, i1 = std::min(m, i0 + mc);
        TileRow rows[ref::kConvTileP];
        const int nrows = tile_rows(g, j0, tile_len, rows);
        const float* xn = a.x + n * in_image;
        float* yt = a.y + n * out_image + j0;
        // With a residual the tile starts as bias + r and every KC step accumulates onto it:
        // r is read only here, element by element before Y's element is written, so Y may
        // share r's memory (Conv's inplace_input). Without one the first step stores.
        const float* res = a.residual ? a.residual + n * out_image + j0 : nullptr;
        if (res) {
          for (int64_t i = i0; i < i1; ++i)
            bias_residual_row(yt + i * positions, tile_len, a.bias ? a.bias[i] : 0.0f, res + i * positions);
        }
        for (int64_t p0 = 0; p0 < k; p0 += kc_max) {
          const int64_t kc = std::min(kc_max, k - p0);
          pack_cols_block<kNr>(xn, g, rows, nrows, p0, kc, tile_len, slot);
          for (int64_t i = i0; i < i1; i += kMr) {
            const float* ap = a.packed_w + p0 * mpad + i * kc;
            const int mm = static_cast<int>(std::min(kMr, i1 - i));
            for (int64_t j = 0; j < tile_len; j += kNr) {
              Kernel::run_packed(kc, ap, slot + j / kNr * kc * kNr, yt + i * positions + j, positions, mm,
                                 static_cast<int>(std::min(kNr, tile_len - j)), res || p0 > 0);
            }
          }
        }
        for (int64_t i = i0; i < i1; ++i)
          conv_epilogue_row(yt + i * positions, tile_len, a.bias && !res ? a.bias[i] : 0.0f, nullptr, p.epilogue);
      }
    }
  });
}

}  // namespace
}  // namespace wisp::x86
