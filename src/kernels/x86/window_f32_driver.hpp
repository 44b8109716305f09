// The loop nest shared by the direct (non-GEMM) NCHW window kernels: depthwise Conv,
// MaxPool and AveragePool, templated on an ISA's vector ops (simd_f32_<isa>.hpp) and on
// an Op that says what one window tap does (multiply-add a weight, max, add).
//
// One input plane gives one output plane. For each output row, the kernel rows that land
// inside the input are listed once (RowSet), so rows in the top/bottom padding cost
// nothing and no row is bounds-checked again. Along the row, the output columns split into
// a left border, an interior whose whole window lies inside the input, and a right border.
// The interior is vectorised along the output row: up to 4 vectors (64 floats on AVX-512,
// 32 on AVX2) are accumulated at once, each in two registers (even and odd kernel rows)
// where the op allows it, which gives up to 8 independent FMA chains, each tap
// reading one (stride 1) or two (stride 2, even lanes kept) unaligned vectors with no bounds
// checks; the last partial vector uses masked loads and stores, which never touch memory
// past the last lane used. The border columns (at most pad/stride on each side) go through
// a scalar loop with bounds checks. Every output element's taps are accumulated in one
// fixed order (kernel rows, then kernel columns; even and odd kernel rows apart in the
// vector interior where the op allows it) whatever the threading, so the results are
// identical for any thread count: threads only pick which planes they compute.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <cstdint>

#include "kernels/ref/conv_geometry.hpp"

namespace wisp::x86 {
namespace {

// Taller kernels go to the reference kernels (RowSet is a fixed-size array).
constexpr int64_t kMaxWindowRows = 64;

// The 2-D view of a WindowGeometry whose depth dimension is trivial.
struct Window2d {
  int64_t h, w, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t pt, pl, pb, pr;  // pads: top, left, bottom, right
};

inline bool window2d_ok(const ref::WindowGeometry& g) {
  return g.in[0] == 1 && g.out[0] == 1 && g.kernel[0] == 1 && g.pad_begin[0] == 0 && g.pad_end[0] == 0 &&
         g.kernel[1] <= kMaxWindowRows && (g.stride[2] == 1 || g.stride[2] == 2);
}

inline Window2d window2d(const ref::WindowGeometry& g) {
  return Window2d{g.in[1],       g.in[2],       g.out[1],       g.out[2],     g.kernel[1],
                  g.kernel[2],   g.stride[1],   g.stride[2],    g.dilation[1], g.dilation[2],
                  g.pad_begin[1], g.pad_begin[2], g.pad_end[1], g.pad_end[2]};
}

// The kernel rows of one output row that fall inside the input.
struct RowSet {
  int n = 0;
  const float* in[kMaxWindowRows];  // input row, at column 0
  int64_t kh[kMaxWindowRows];       // which kernel row (an op-defined id with per-row taps)
  int64_t taps[kMaxWindowRows];     // taps of each row, read only by kPerRowTaps instantiations
};

// Output columns [lo, hi) have their whole window inside the input row.
inline void interior_columns(const Window2d& g, int64_t& lo, int64_t& hi) {
  // Plain comparisons rather than std::min/std::clamp: nothing from a shared template is
  // instantiated under the ISA flags of the including file.
  lo = (g.pl + g.sw - 1) / g.sw;
  if (lo > g.ow) lo = g.ow;
  const int64_t last_start = g.w - 1 + g.pl - (g.kw - 1) * g.dw;  // largest ow * sw that fits
  hi = last_start < 0 ? 0 : last_start / g.sw + 1;
  if (hi > g.ow) hi = g.ow;
  if (hi < lo) hi = lo;
}

// KW template value: each RowSet entry has its own tap count (rs.taps).
constexpr int kPerRowTaps = -1;

// U vectors of output columns starting at input column `col` (= ow * S - pl); with
// Masked, the last vector holds only `n_last` columns. With Op::kSplitRows, even and odd
// kernel rows accumulate into separate registers, combined at the end: twice the
// independent FMA chains, which matters when a row is only one or two vectors wide (a
// 3x3 tap chain is otherwise 9 dependent FMAs). Ops that must keep the reference's exact
// order (AveragePool) leave it off.
template <class O, class Op, int KW, int S, int U, bool Masked>
inline void window_block(const Op& op, const RowSet& rs, int64_t kw, int64_t dil, int64_t col, int n_last,
                         float* y) {
  using V = typename O::V;
  constexpr int64_t kStep = O::kW * S;
  V acc[U], acc_odd[U];
  for (int u = 0; u < U; ++u) {
    acc[u] = op.init();
    acc_odd[u] = op.identity();
  }
  auto row_taps = [&](int r, V* dst) {
    const float* base = rs.in[r] + col;
    const int64_t taps = KW > 0 ? KW : (KW == kPerRowTaps ? rs.taps[r] : kw);
    for (int64_t k = 0; k < taps; ++k) {
      const V wv = op.weight(rs.kh[r], k);
      const float* p = base + k * dil;
      for (int u = 0; u < U; ++u) {
        const V x = (Masked && u == U - 1) ? O::template load_n<S>(p + u * kStep, n_last)
                                           : O::template load<S>(p + u * kStep);
        dst[u] = op.tap(dst[u], x, wv);
      }
    }
  };
  int r = 0;
  for (; r + 1 < rs.n; r += 2) {
    row_taps(r, acc);
    row_taps(r + 1, Op::kSplitRows ? acc_odd : acc);
  }
  if (r < rs.n) row_taps(r, acc);
  for (int u = 0; u < U; ++u) {
    const V v = op.finish(Op::kSplitRows ? op.combine(acc[u], acc_odd[u]) : acc[u]);
    if (Masked && u == U - 1) {
      O::store_n(y + u * O::kW, v, n_last);
    } else {
      O::store(y + u * O::kW, v);
    }
  }
}

// One output element with bounds checks (the border columns).
template <class Op>
inline float window_scalar(const Op& op, const RowSet& rs, const Window2d& g, int64_t ow) {
  float acc = op.init_s();
  const int64_t iw0 = ow * g.sw - g.pl;
  for (int r = 0; r < rs.n; ++r) {
    for (int64_t k = 0; k < g.kw; ++k) {
      const int64_t iw = iw0 + k * g.dw;
      if (iw >= 0 && iw < g.w) acc = op.tap_s(acc, rs.in[r][iw], rs.kh[r], k);
    }
  }
  return op.finish_s(acc, ow);
}

// Output columns [lo, hi) of one row, all interior: blocks of 4 vectors, then 3, 2 or 1,
// then one masked vector. Output column ow reads input columns from ow * S - pl.
template <class O, class Op, int KW, int S>
inline void window_interior_run(const Op& op, const RowSet& rs, int64_t kw, int64_t dw, int64_t lo, int64_t hi,
                                int64_t pl, float* yrow) {
  constexpr int64_t kW = O::kW;
  int64_t ow = lo;
  for (; ow + 4 * kW <= hi; ow += 4 * kW) window_block<O, Op, KW, S, 4, false>(op, rs, kw, dw, ow * S - pl, 0, yrow + ow);
  const int64_t full = (hi - ow) / kW;
  const int64_t col = ow * S - pl;
  if (full == 3) window_block<O, Op, KW, S, 3, false>(op, rs, kw, dw, col, 0, yrow + ow);
  if (full == 2) window_block<O, Op, KW, S, 2, false>(op, rs, kw, dw, col, 0, yrow + ow);
  if (full == 1) window_block<O, Op, KW, S, 1, false>(op, rs, kw, dw, col, 0, yrow + ow);
  ow += full * kW;
  if (ow < hi) window_block<O, Op, KW, S, 1, true>(op, rs, kw, dw, ow * S - pl, static_cast<int>(hi - ow), yrow + ow);
}

// Op: init() / identity() / weight(kh, kw) / tap(acc, x, weight) / combine(a, b) /
// finish(acc) on vectors, kSplitRows (see window_block),
// init_s() / tap_s(acc, x, kh, kw) / finish_s(acc, ow) on scalars, begin_row(rs, oh).
template <class O, class Op, int KW, int S>
void window_plane_t(Op& op, const Window2d& g, const float* x, float* y) {
  int64_t lo = 0, hi = 0;
  interior_columns(g, lo, hi);
  RowSet rs;
  for (int64_t oh = 0; oh < g.oh; ++oh) {
    rs.n = 0;
    const int64_t ih0 = oh * g.sh - g.pt;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = ih0 + kh * g.dh;
      if (ih < 0 || ih >= g.h) continue;
      rs.in[rs.n] = x + ih * g.w;
      rs.kh[rs.n] = kh;
      ++rs.n;
    }
    op.begin_row(rs, oh);
    float* yrow = y + oh * g.ow;
    for (int64_t ow = 0; ow < lo; ++ow) yrow[ow] = window_scalar(op, rs, g, ow);
    window_interior_run<O, Op, KW, S>(op, rs, g.kw, g.dw, lo, hi, g.pl, yrow);
    for (int64_t ow = hi; ow < g.ow; ++ow) yrow[ow] = window_scalar(op, rs, g, ow);
  }
}

// Picks the instantiation for the kernel width (3 and 5 unrolled) and the column stride.
template <class O, class Op>
void window_plane(Op& op, const Window2d& g, const float* x, float* y) {
  if (g.sw == 1) {
    if (g.kw == 3) return window_plane_t<O, Op, 3, 1>(op, g, x, y);
    if (g.kw == 5) return window_plane_t<O, Op, 5, 1>(op, g, x, y);
    return window_plane_t<O, Op, 0, 1>(op, g, x, y);
  }
  if (g.kw == 3) return window_plane_t<O, Op, 3, 2>(op, g, x, y);
  if (g.kw == 5) return window_plane_t<O, Op, 5, 2>(op, g, x, y);
  return window_plane_t<O, Op, 0, 2>(op, g, x, y);
}

// A small plane as one long row, for a geometry without pads whose row stride equals its
// column stride S (a zero-padded copy of the plane qualifies): output (oh, ow), at flat
// index t = oh * w + ow, reads x[t * S + kh * dh * w + kw * dw], so the outputs of all
// rows form one run of full vectors (4 at a time) instead of one short run per row. The
// w - ow values past each row's end are computed and dropped: `flat` receives
// (oh - 1) * w + ow floats, row oh at flat + oh * w. No read goes past the last one the
// last output needs. Requires Op::kSplitRows-style ops without per-row state.
template <class O, class Op, int KW, int S>
void window_flat_t(const Op& op, const Window2d& g, const float* x, float* flat) {
  RowSet rs;
  rs.n = static_cast<int>(g.kh);
  for (int r = 0; r < rs.n; ++r) {
    rs.in[r] = x + r * g.dh * g.w;
    rs.kh[r] = r;
  }
  window_interior_run<O, Op, KW, S>(op, rs, g.kw, g.dw, 0, (g.oh - 1) * g.w + g.ow, 0, flat);
}

template <class O, class Op>
void window_flat(const Op& op, const Window2d& g, const float* x, float* flat) {
  if (g.sw == 1) {
    if (g.kw == 3) return window_flat_t<O, Op, 3, 1>(op, g, x, flat);
    if (g.kw == 5) return window_flat_t<O, Op, 5, 1>(op, g, x, flat);
    return window_flat_t<O, Op, 0, 1>(op, g, x, flat);
  }
  if (g.kw == 3) return window_flat_t<O, Op, 3, 2>(op, g, x, flat);
  if (g.kw == 5) return window_flat_t<O, Op, 5, 2>(op, g, x, flat);
  return window_flat_t<O, Op, 0, 2>(op, g, x, flat);
}

// Interior columns of the output row, for callers that post-process the borders.
inline void window_interior(const ref::WindowGeometry& geo, int64_t& lo, int64_t& hi) {
  interior_columns(window2d(geo), lo, hi);
}

}  // namespace
}  // namespace wisp::x86
