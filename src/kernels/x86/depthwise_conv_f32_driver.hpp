// Depthwise Conv (float32, NCHW) as a direct window kernel: each (image, output channel)
// plane is the input plane of its channel slid under that channel's kh x kw filter, bias
// first, then the taps in kernel order (window_f32_driver.hpp walks the rows and columns).
// The fused activation runs on the vector while it is still in registers when it is one
// of the cheap piecewise-linear ones; the rest (Sigmoid, Tanh, and any added later) run on
// the finished plane through the reference formula.
//
// Include only from *_avx2.cpp / *_avx512.cpp files: everything here has internal linkage.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/x86/conv_grouped_f32.hpp"
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
  const bool flat = g.sh == g.sw && gp.h * gp.w <= kFlatPlaneFloats;
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t in_plane = g.h * g.w, out_plane = g.oh * g.ow, filter = g.kh * g.kw;
  const bool vector_act = epilogue_vectorised(p.epilogue.act);
  parallel_for(a.pool, p.batch * p.out_channels, [&](int64_t begin, int64_t end) {
    alignas(64) float padded[kFlatPlaneFloats];
    alignas(64) float flat_out[kFlatPlaneFloats];
    // memset/memcpy rather than std::fill/std::copy: no template instantiated under this
    // file's ISA flags that the linker could share with other callers.
    if (flat && has_pads) std::memset(padded, 0, sizeof(float) * gp.h * gp.w);  // the borders stay zero
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
      if (flat) {
        if (has_pads && channel != padded_channel) {
          for (int64_t ih = 0; ih < g.h; ++ih)
            std::memcpy(padded + (g.pt + ih) * gp.w + g.pl, x + ih * g.w, sizeof(float) * g.w);
          padded_channel = channel;
        }
        window_flat<O>(op, gp, has_pads ? padded : x, flat_out);
        for (int64_t oh = 0; oh < g.oh; ++oh) std::memcpy(y + oh * g.ow, flat_out + oh * gp.w, sizeof(float) * g.ow);
      } else {
        window_plane<O>(op, g, x, y);
      }
      if (!vector_act) apply_epilogue_f32(y, out_plane, p.epilogue);
    }
  });
}

}  // namespace
}  // namespace wisp::x86
