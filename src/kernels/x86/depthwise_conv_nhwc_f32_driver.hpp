// NhwcDepthwiseConv (float32, multiplier 1) as a direct kernel vectorised over channels.
//
// In NHWC a depthwise tap is one vector FMA: y[oh, ow, c..c+V) += x[ih, iw, c..c+V) *
// w[kh, kw, c..c+V), with the filter repacked once to [kH][kW][C] (depthwise_conv_nhwc_f32_ops.cpp).
// Nothing is vectorised along the spatial dims, so short rows (7, 14) cost no tails and
// strides cost no permutes: a stride only changes which pixel a pointer starts at.
//
// Work: units of (output row of N x OH, channel group), static contiguous chunks, so the
// result does not depend on the thread count: every output element is computed by the same
// code in the same order. A row is one unit unless its rows split unevenly over few threads
// (7 rows on 2 threads: 4:3), when each row is cut into channel groups of whole vectors so
// the units divide evenly (dw_channel_groups). Within a unit, for each block of V channels (16 AVX-512, 8 AVX2;
// the last block masked), the filter taps of that block are loaded into registers once
// (3x3 and 5x5 are compile-time shapes, fully unrolled) and the row is walked:
//   interior columns (every kernel column inside the input): kPix pixels at a time, kPix
//     independent accumulators so the FMA latency is hidden, no bounds checks;
//   border columns: one pixel at a time over its valid kernel columns only (3x3 / 5x5:
//     with the filter still in registers; on 7x7 planes 2 of 7 columns are border).
// Kernel rows outside the input (top/bottom padding) are skipped for the whole row.
// Each sum is bias, then the taps in (kh, kw) order, then the residual. The piecewise-linear
// activations (Relu, Clip, LeakyRelu, HardSigmoid, HardSwish) run on the vector while it
// is in registers; the exp/tanh/erf ones (Sigmoid, SiLU, Tanh, GELU; ~1e-6 relative of the
// reference) run over the finished output row (act_row of gemm_f32_epilogue.hpp, the row
// still in L1/L2): inlined into every store of every path they made most of the object
// code (AVX-512: 176 KB with them, 72 KB without), padding the hot loops with dead code.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/x86/depthwise_conv_nhwc_f32.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"

namespace wisp::x86 {
namespace {

// First and one-past-last kernel tap k (of `taps`, spacing `dil`) whose input position
// start + k * dil lies in [0, size).
inline void valid_taps(int64_t start, int64_t dil, int64_t taps, int64_t size, int64_t& lo, int64_t& hi) {
  lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
  hi = size - start <= 0 ? 0 : (size - start + dil - 1) / dil;
  if (hi > taps) hi = taps;
  if (lo > hi) lo = hi;
}

// One output row of one image, the data every channel block of it shares.
struct NhwcDwRow {
  const float* x_rows[64];  // input row of each kernel row kh (valid for kh in [kh_lo, kh_hi))
  int64_t kh_lo = 0, kh_hi = 0;
  const float* res = nullptr;  // residual row [OW, C] or null
  float* y = nullptr;          // output row [OW, C]
};

struct NhwcDwGeo {
  int64_t h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
  int64_t ow_lo, ow_hi;  // interior output columns [ow_lo, ow_hi)
};

template <bool kMasked>
inline V load_x(const float* p, Vf::Mask m) {
  if constexpr (kMasked) return Vf::load(p, m);
  else return Vf::load(p);
}

template <bool kMasked>
inline void store_y(float* p, V v, Vf::Mask m) {
  if constexpr (kMasked) Vf::store(p, v, m);
  else Vf::store(p, v);
}

// Whether the activation runs in registers (else over the finished row: see the top).
inline bool act_in_registers(ref::EpilogueAct act) {
  using A = ref::EpilogueAct;
  return act == A::kNone || act == A::kRelu || act == A::kClip || act == A::kLeakyRelu || act == A::kHardSigmoid ||
         act == A::kHardSwish;
}

// The cheap activations of vact (same formulas), the others left for act_row.
inline V cheap_act(V x, const ref::Epilogue& e) {
  using A = ref::EpilogueAct;
  switch (e.act) {
    case A::kRelu: return Vf::max(x, Vf::set(0.0f));
    case A::kClip: return Vf::min(Vf::max(x, Vf::set(e.alpha)), Vf::set(e.beta));
    case A::kLeakyRelu: return Vf::blend_lt0(x, Vf::mul(x, Vf::set(e.alpha)), x);
    case A::kHardSigmoid:
      return Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta))));
    case A::kHardSwish:
      return Vf::mul(x, Vf::max(Vf::set(0.0f), Vf::min(Vf::set(1.0f), Vf::fma(x, Vf::set(e.alpha), Vf::set(e.beta)))));
    default: return x;
  }
}

template <bool kMasked>
inline V finish(V acc, const NhwcDwRow& r, int64_t at, Vf::Mask m, const ref::Epilogue& e) {
  if (r.res) acc = Vf::add(acc, load_x<kMasked>(r.res + at, m));
  return cheap_act(acc, e);
}

// One output pixel over its valid kernel columns (border columns, or any column of a
// kernel shape without a compile-time path).
template <bool kMasked>
inline void dw_pixel(const NhwcDwGeo& g, const NhwcDwRow& r, const float* w, int64_t cp, V bias, int64_t ow,
                     int64_t c, Vf::Mask m, const ref::Epilogue& e) {
  const int64_t start = ow * g.sw - g.pl;
  int64_t kw_lo, kw_hi;
  valid_taps(start, g.dw, g.kw, g.w, kw_lo, kw_hi);
  V acc = bias;
  for (int64_t kh = r.kh_lo; kh < r.kh_hi; ++kh) {
    const float* xr = r.x_rows[kh] + c;
    const float* wr = w + kh * g.kw * cp + c;
    for (int64_t kw = kw_lo; kw < kw_hi; ++kw)
      acc = Vf::fma(load_x<kMasked>(xr + (start + kw * g.dw) * g.c, m), Vf::load(wr + kw * cp), acc);
  }
  store_y<kMasked>(r.y + ow * g.c + c, finish<kMasked>(acc, r, ow * g.c + c, m, e), m);
}

// kN output pixels from ow on, one channel block, with a compile-time KH x KW filter
// already in registers (wv): kN independent accumulators. kBorder (kN = 1): a border
// column, its kernel columns outside the input skipped. Forced inline: called through a
// pointer to wv, the filter would otherwise stay in memory (measured 2x slower).
template <int KH, int KW, int kN, bool kMasked, bool kBorder = false>
[[gnu::always_inline]] inline void dw_pixels_fixed(const NhwcDwGeo& g, const NhwcDwRow& r, const V* wv, V bias,
                                                   int64_t ow, int64_t c, Vf::Mask m, const ref::Epilogue& e) {
  static_assert(!kBorder || kN == 1);
  const int64_t step = g.sw * g.c;  // input floats between neighbouring output pixels
  int64_t kw_lo = 0, kw_hi = KW;
  if constexpr (kBorder) valid_taps(ow * g.sw - g.pl, g.dw, KW, g.w, kw_lo, kw_hi);
  V acc[kN];
#pragma GCC unroll 8
  for (int i = 0; i < kN; ++i) acc[i] = bias;
  const int64_t col = (ow * g.sw - g.pl) * g.c + c;
#pragma GCC unroll 8
  for (int kh = 0; kh < KH; ++kh) {
    if (kh < r.kh_lo || kh >= r.kh_hi) continue;
    const float* xr = r.x_rows[kh] + col;
#pragma GCC unroll 8
    for (int kw = 0; kw < KW; ++kw) {
      if (kBorder && (kw < kw_lo || kw >= kw_hi)) continue;
      const float* xp = xr + kw * g.dw * g.c;
#pragma GCC unroll 8
      for (int i = 0; i < kN; ++i) acc[i] = Vf::fma(load_x<kMasked>(xp + i * step, m), wv[kh * KW + kw], acc[i]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < kN; ++i) {
    const int64_t at = (ow + i) * g.c + c;
    store_y<kMasked>(r.y + at, finish<kMasked>(acc[i], r, at, m, e), m);
  }
}

// One channel block of one output row with a compile-time KH x KW filter held in
// registers: the border columns one at a time, the interior kPix pixels per step, then 4
// (short rows: 7 wide has 5 interior columns), then one at a time.
template <int KH, int KW, int kPix, bool kMasked>
inline void dw_row_fixed(const NhwcDwGeo& g, const NhwcDwRow& r, const float* w, int64_t cp, V bias, int64_t c,
                         Vf::Mask m, const ref::Epilogue& e) {
  V wv[KH * KW];
#pragma GCC unroll 32
  for (int t = 0; t < KH * KW; ++t) wv[t] = Vf::load(w + t * cp + c);
  for (int64_t ow = 0; ow < g.ow_lo; ++ow) dw_pixels_fixed<KH, KW, 1, kMasked, true>(g, r, wv, bias, ow, c, m, e);
  for (int64_t ow = g.ow_hi; ow < g.ow; ++ow) dw_pixels_fixed<KH, KW, 1, kMasked, true>(g, r, wv, bias, ow, c, m, e);
  int64_t ow = g.ow_lo;
  for (; ow + kPix <= g.ow_hi; ow += kPix) dw_pixels_fixed<KH, KW, kPix, kMasked>(g, r, wv, bias, ow, c, m, e);
  if constexpr (kPix > 4) {
    if (ow + 4 <= g.ow_hi) {
      dw_pixels_fixed<KH, KW, 4, kMasked>(g, r, wv, bias, ow, c, m, e);
      ow += 4;
    }
  }
  for (; ow < g.ow_hi; ++ow) dw_pixels_fixed<KH, KW, 1, kMasked>(g, r, wv, bias, ow, c, m, e);
}

// The same for any kernel shape: filter vectors read from the packed filter per tap.
template <int kPix, bool kMasked>
inline void dw_interior_any(const NhwcDwGeo& g, const NhwcDwRow& r, const float* w, int64_t cp, V bias, int64_t c,
                            Vf::Mask m, const ref::Epilogue& e) {
  const int64_t step = g.sw * g.c;
  int64_t ow = g.ow_lo;
  for (; ow + kPix <= g.ow_hi; ow += kPix) {
    V acc[kPix];
    for (int i = 0; i < kPix; ++i) acc[i] = bias;
    const int64_t col = (ow * g.sw - g.pl) * g.c + c;
    for (int64_t kh = r.kh_lo; kh < r.kh_hi; ++kh) {
      const float* xr = r.x_rows[kh] + col;
      const float* wr = w + kh * g.kw * cp + c;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const V wv = Vf::load(wr + kw * cp);
        const float* xp = xr + kw * g.dw * g.c;
#pragma GCC unroll 8
        for (int i = 0; i < kPix; ++i) acc[i] = Vf::fma(load_x<kMasked>(xp + i * step, m), wv, acc[i]);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < kPix; ++i) {
      const int64_t at = (ow + i) * g.c + c;
      store_y<kMasked>(r.y + at, finish<kMasked>(acc[i], r, at, m, e), m);
    }
  }
  for (; ow < g.ow_hi; ++ow) dw_pixel<kMasked>(g, r, w, cp, bias, ow, c, m, e);
}

// One channel block of one output row: left border, interior, right border.
template <int KH, int KW, int kPix, bool kMasked>
inline void dw_block(const NhwcDwGeo& g, const NhwcDwRow& r, const float* w, int64_t cp, const float* bias,
                     int64_t c, Vf::Mask m, const ref::Epilogue& e) {
  const V b = bias ? load_x<kMasked>(bias + c, m) : Vf::set(0.0f);
  if constexpr (KH > 0) {
    dw_row_fixed<KH, KW, kPix, kMasked>(g, r, w, cp, b, c, m, e);
  } else {
    for (int64_t ow = 0; ow < g.ow_lo; ++ow) dw_pixel<kMasked>(g, r, w, cp, b, ow, c, m, e);
    dw_interior_any<kPix, kMasked>(g, r, w, cp, b, c, m, e);
    for (int64_t ow = g.ow_hi; ow < g.ow; ++ow) dw_pixel<kMasked>(g, r, w, cp, b, ow, c, m, e);  // ow_hi >= ow_lo
  }
}

// Units [u_begin, u_end) of (row, channel group) pairs, `groups` groups per row, group q
// holding the channel vectors [nvec * q / groups, nvec * (q + 1) / groups).
template <int KH, int KW, int kPix>
void dw_units(const NhwcDwF32Args& a, const NhwcDwGeo& g, int64_t groups, int64_t u_begin, int64_t u_end) {
  const ref::Epilogue& e = a.p->epilogue;
  const int64_t full = g.c / Vf::kLanes * Vf::kLanes, nvec = (g.c + Vf::kLanes - 1) / Vf::kLanes;
  const Vf::Mask tail = Vf::mask(g.c - full);
  for (int64_t u = u_begin; u < u_end; ++u) {
    const int64_t row = u / groups, q = u % groups;
    const int64_t n = row / g.oh, oh = row % g.oh;
    const int64_t c_lo = nvec * q / groups * Vf::kLanes, c_hi = std::min(g.c, nvec * (q + 1) / groups * Vf::kLanes);
    NhwcDwRow r;
    const int64_t start = oh * g.sh - g.pt;
    valid_taps(start, g.dh, g.kh, g.h, r.kh_lo, r.kh_hi);
    for (int64_t kh = r.kh_lo; kh < r.kh_hi; ++kh) r.x_rows[kh] = a.x + ((n * g.h + start + kh * g.dh) * g.w) * g.c;
    r.y = a.y + row * g.ow * g.c;
    r.res = a.residual ? a.residual + row * g.ow * g.c : nullptr;
    for (int64_t c = c_lo; c < std::min(c_hi, full); c += Vf::kLanes)
      dw_block<KH, KW, kPix, false>(g, r, a.w, a.cp, a.bias, c, tail, e);
    if (full < c_hi) dw_block<KH, KW, kPix, true>(g, r, a.w, a.cp, a.bias, full, tail, e);
    if (!act_in_registers(e.act)) {
      if (groups == 1) {
        act_row(r.y, g.ow * g.c, e);
      } else {
        for (int64_t ow = 0; ow < g.ow; ++ow) act_row(r.y + ow * g.c + c_lo, c_hi - c_lo, e);
      }
    }
  }
}

// Channel groups per output row: 1 when the rows already split evenly over the threads
// (or are many: a 1-row imbalance is then small), else the fewest groups that make the
// unit count a multiple of the thread count (7 rows on 2 threads: 2 groups, 14 units,
// 7 each instead of 4:3 rows), capped by the channel vectors.
inline int64_t dw_channel_groups(int64_t rows, int64_t nvec, int64_t threads) {
  if (threads <= 1 || rows % threads == 0 || rows >= 16 * threads) return 1;
  int64_t groups = 1;
  while (groups < nvec && (rows * groups) % threads != 0) ++groups;
  return groups;
}

// Whether the driver takes this geometry (the ops file checks before packing): 2-D,
// at most 64 kernel rows (NhwcDwRow::x_rows).
inline constexpr int64_t kNhwcDwMaxKernelRows = 64;

// kPix3: output pixels per step of the 3x3 path; kPix: of the 5x5 and generic paths.
template <int kPix3, int kPix>
void nhwc_depthwise_conv_f32_t(const NhwcDwF32Args& a) {
  const ref::ConvParams& p = *a.p;
  const ref::WindowGeometry& wg = p.geo;
  NhwcDwGeo g;
  g.h = wg.in[1], g.w = wg.in[2], g.c = p.in_channels, g.oh = wg.out[1], g.ow = wg.out[2];
  g.kh = wg.kernel[1], g.kw = wg.kernel[2], g.sh = wg.stride[1], g.sw = wg.stride[2];
  g.dh = wg.dilation[1], g.dw = wg.dilation[2], g.pt = wg.pad_begin[1], g.pl = wg.pad_begin[2];
  // Interior columns: the whole kernel row inside the input.
  g.ow_lo = 0;
  while (g.ow_lo < g.ow && g.ow_lo * g.sw - g.pl < 0) ++g.ow_lo;
  g.ow_hi = g.ow;
  while (g.ow_hi > g.ow_lo && (g.ow_hi - 1) * g.sw - g.pl + (g.kw - 1) * g.dw >= g.w) --g.ow_hi;
  const int64_t rows = p.batch * g.oh;
  if (rows == 0 || g.ow == 0 || g.c == 0) return;
  const int64_t groups =
      dw_channel_groups(rows, (g.c + Vf::kLanes - 1) / Vf::kLanes, a.pool ? a.pool->threads() : 1);
  parallel_for(a.pool, rows * groups, [&](int64_t begin, int64_t end) {
    if (g.kh == 3 && g.kw == 3) dw_units<3, 3, kPix3>(a, g, groups, begin, end);
    else if (g.kh == 5 && g.kw == 5) dw_units<5, 5, kPix>(a, g, groups, begin, end);
    else dw_units<0, 0, kPix>(a, g, groups, begin, end);
  });
}

}  // namespace
}  // namespace wisp::x86
