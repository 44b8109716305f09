// Depthwise Conv (float32, NCHW) as a direct window kernel: each (image, output channel)
// plane is the input plane of its channel slid under that channel's kh x kw filter, bias
// first, then the taps (window_f32_driver.hpp walks the rows and columns). Three paths,
// picked once per Conv:
//   polyphase  stride 2, dilation 1, small plane: four parity sub-planes, one flat run;
//   flat       equal strides, small plane: a zero-padded copy computed as one flat run;
//   rows       everything else: row by row, scalar border columns.
// "Small" means the padded plane fits a 32 KiB stack buffer; the flat paths keep 4 vectors
// in flight even when rows are 7 or 14 wide. The fused activation runs on the vector while it is still in registers when it is one
// of the cheap piecewise-linear ones; the rest (Sigmoid, Tanh, and any added later) run on
// the finished plane through the reference formula.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/x86/conv_grouped_f32.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "kernels/x86/window_f32_driver.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

inline bool epilogue_vectorised(ref::EpilogueAct act) {
  switch (act) {
    case ref::EpilogueAct::kNone:
    case ref::EpilogueAct::kRelu:
    case ref::EpilogueAct::kClip:
    case ref::EpilogueAct::kLeakyRelu:
    case ref::EpilogueAct::kHardSigmoid:
    case ref::EpilogueAct::kHardSwish: return true;
    default: return false;
  }
}

// The formulas of ref::apply_epilogue, lane by lane (multiply and add kept separate, as
// in the reference, so the results match it).
template <class O>
inline typename O::V epilogue_vector(typename O::V x, const ref::Epilogue& e) {
  using V = typename O::V;
  switch (e.act) {
    case ref::EpilogueAct::kRelu: return O::max(x, O::zero());
    case ref::EpilogueAct::kClip: return O::min(O::max(x, O::set1(e.alpha)), O::set1(e.beta));
    case ref::EpilogueAct::kLeakyRelu: return O::select_neg(x, O::mul(O::set1(e.alpha), x));
    case ref::EpilogueAct::kHardSigmoid:
    case ref::EpilogueAct::kHardSwish: {
      const V hs = O::max(O::zero(), O::min(O::set1(1.0f), O::add(O::mul(O::set1(e.alpha), x), O::set1(e.beta))));
      return e.act == ref::EpilogueAct::kHardSwish ? O::mul(x, hs) : hs;
    }
    default: return x;
  }
}

template <class O>
struct DepthwiseOp {
  using V = typename O::V;
  const float* w = nullptr;  // this channel's kh x kw filter
  int64_t kw = 0;
  float bias = 0;
  const ref::Epilogue* epilogue = nullptr;
  bool vector_act = false;

  static constexpr bool kSplitRows = true;
  V init() const { return O::set1(bias); }
  static V identity() { return O::zero(); }
  static V combine(V a, V b) { return O::add(a, b); }
  V weight(int64_t kh, int64_t k) const { return O::set1(w[kh * kw + k]); }
  static V tap(V acc, V x, V wv) { return O::fmadd(x, wv, acc); }
  V finish(V acc) const { return vector_act ? epilogue_vector<O>(acc, *epilogue) : acc; }

  float init_s() const { return bias; }
  float tap_s(float acc, float x, int64_t kh, int64_t k) const { return acc + x * w[kh * kw + k]; }
  float finish_s(float acc, int64_t) const {
    if (vector_act) apply_epilogue_f32(&acc, 1, *epilogue);
    return acc;
  }
  void begin_row(const RowSet&, int64_t) {}
};

// Stride 2 in both dims, dilation 1, on a small plane: polyphase. The zero-padded plane
// splits into its four (row parity, column parity) sub-planes of hq x wq; output (oh, ow)
// at tap (kh, kw) reads sub-plane (kh & 1, kw & 1) at (oh + kh / 2, ow + kw / 2). So the
// conv is one stride-1 flat run over RowSet entries (kh, column parity), each with its own
// taps, with plain loads instead of two loads and a permute per tap, and without the half
// of the lanes a stride-2 flat run over the padded plane would spend on dropped columns.
// The entry id is kh * 2 + column parity; tap k of it is kernel column 2k + parity.
template <class O>
struct PolyphaseOp : DepthwiseOp<O> {
  using V = typename O::V;
  V weight(int64_t id, int64_t k) const { return O::set1(this->w[(id >> 1) * this->kw + 2 * k + (id & 1)]); }
};

// n floats from src to dst. memcpy: measured faster than a vector loop with a masked tail
// on these short rows (AVX2 14x14 and 7x7 layers 1.4-1.6x slower with the loop).
inline void copy_row(float* dst, const float* src, int64_t n) { std::memcpy(dst, src, sizeof(float) * n); }

// Copies plane x (h x w) into the four sub-planes at `sub` (each hq x wq, in order
// (0,0), (0,1), (1,0), (1,1)) as if padded by pt rows and pl columns first; positions
// that fall in the padding are left as they are (zero).
template <class O>
void split_polyphase(const float* x, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t hq, int64_t wq,
                     float* sub) {
  constexpr int64_t kW = O::kW;
  for (int64_t ih = 0; ih < h; ++ih) {
    const int64_t pr = ih + pt;
    for (int64_t b = 0; b < 2; ++b) {
      const int64_t iw0 = ((b - pl) % 2 + 2) % 2;  // first input column of padded parity b
      if (iw0 >= w) continue;
      const int64_t count = (w - iw0 + 1) / 2;
      const float* src = x + ih * w + iw0;
      float* dst = sub + ((pr & 1) * 2 + b) * hq * wq + (pr >> 1) * wq + (iw0 + pl) / 2;
      int64_t j = 0;
      for (; j + kW <= count; j += kW) O::store(dst + j, O::template load<2>(src + 2 * j));
      if (j < count) {
        const int n = static_cast<int>(count - j);
        O::store_n(dst + j, O::template load_n<2>(src + 2 * j, n), n);
      }
    }
  }
}

// Small planes take the flat path (window_flat in window_f32_driver.hpp): the whole plane
// is one run of full vectors, so a 14x14 or 7x7 layer keeps 4 vectors (8 FMA chains) in
// flight instead of one short row at a time. A padded plane is first copied into a
// zero-padded buffer (its zeros add 0 * w to the sums, which changes no finite result).
// Both buffers live on the stack, 32 KiB each: planes that do not fit, and row strides
// that differ from the column stride, take the row-by-row path with scalar border columns.
constexpr int64_t kFlatPlaneFloats = 8192;

template <class O>
void depthwise_conv_f32_t(const DepthwiseF32Args& a) {
  const ref::ConvParams& p = *a.p;
  const Window2d g = window2d(p.geo);
  Window2d gp = g;  // the geometry over the zero-padded copy
  gp.h = g.pt + g.h + g.pb;
  gp.w = g.pl + g.w + g.pr;
  gp.pt = gp.pl = gp.pb = gp.pr = 0;
  const bool has_pads = g.pt || g.pl || g.pb || g.pr;
  const int64_t hq = (gp.h + 1) / 2, wq = (gp.w + 1) / 2;
  const bool polyphase = g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 && 2 * g.kh <= kMaxWindowRows &&
                         4 * hq * wq <= kFlatPlaneFloats;
  const bool flat = !polyphase && g.sh == g.sw && gp.h * gp.w <= kFlatPlaneFloats;
  RowSet poly_rows;  // the polyphase entries: (kh, column parity) with their taps
  poly_rows.n = 0;
  for (int64_t kh = 0; polyphase && kh < g.kh; ++kh) {
    for (int64_t b = 0; b < 2; ++b) {
      const int64_t taps = (g.kw - b + 1) / 2;
      if (taps == 0) continue;
      poly_rows.in[poly_rows.n] = nullptr;  // set per chunk: the sub-plane buffer is on its stack
      poly_rows.kh[poly_rows.n] = kh * 2 + b;
      poly_rows.taps[poly_rows.n] = taps;
      ++poly_rows.n;
    }
  }
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t in_plane = g.h * g.w, out_plane = g.oh * g.ow, filter = g.kh * g.kw;
  const bool vector_act = epilogue_vectorised(p.epilogue.act);
  parallel_for(a.pool, p.batch * p.out_channels, [&](int64_t begin, int64_t end) {
    alignas(64) float padded[kFlatPlaneFloats];
    alignas(64) float flat_out[kFlatPlaneFloats];
    // memset/memcpy rather than std::fill/std::copy: no template instantiated under this
    // file's ISA flags that the linker could share with other callers.
    if (flat && has_pads) std::memset(padded, 0, sizeof(float) * gp.h * gp.w);  // the borders stay zero
    if (polyphase) std::memset(padded, 0, sizeof(float) * 4 * hq * wq);
    RowSet rows = poly_rows;
    for (int r = 0; r < rows.n; ++r) {
      const int64_t kh = rows.kh[r] >> 1, b = rows.kh[r] & 1;
      rows.in[r] = padded + ((kh & 1) * 2 + b) * hq * wq + (kh >> 1) * wq;
    }
    int64_t padded_channel = -1;  // the input plane now in `padded`
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / p.out_channels, m = plane % p.out_channels;
      DepthwiseOp<O> op;
      op.w = a.w + m * filter;
      op.kw = g.kw;
      op.bias = a.bias ? a.bias[m] : 0.0f;
      op.epilogue = &p.epilogue;
      op.vector_act = vector_act;
      float* y = a.y + plane * out_plane;
      const int64_t channel = n * p.in_channels + m / mult;
      const float* x = a.x + channel * in_plane;
      if (polyphase) {
        if (channel != padded_channel) {
          split_polyphase<O>(x, g.h, g.w, g.pt, g.pl, hq, wq, padded);
          padded_channel = channel;
        }
        PolyphaseOp<O> pop;
        static_cast<DepthwiseOp<O>&>(pop) = op;
        window_interior_run<O, PolyphaseOp<O>, kPerRowTaps, 1>(pop, rows, 0, 1, 0, (g.oh - 1) * wq + g.ow, 0, flat_out);
        for (int64_t oh = 0; oh < g.oh; ++oh) copy_row(y + oh * g.ow, flat_out + oh * wq, g.ow);
      } else if (flat) {
        if (has_pads && channel != padded_channel) {
          for (int64_t ih = 0; ih < g.h; ++ih) copy_row(padded + (g.pt + ih) * gp.w + g.pl, x + ih * g.w, g.w);
          padded_channel = channel;
        }
        window_flat<O>(op, gp, has_pads ? padded : x, flat_out);
        for (int64_t oh = 0; oh < g.oh; ++oh) copy_row(y + oh * g.ow, flat_out + oh * gp.w, g.ow);
      } else {
        window_plane<O>(op, g, x, y);
      }
      // Activations with exp/tanh/erf (Sigmoid, SiLU, Tanh, GELU): the vectorised row
      // epilogue of the GEMM drivers over the finished plane (still in L1/L2).
      if (!vector_act) act_row(y, out_plane, p.epilogue);
    }
  });
}

}  // namespace
}  // namespace wisp::x86
