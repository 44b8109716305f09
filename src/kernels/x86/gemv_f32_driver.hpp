// The GEMV kernel of gemv_f32.hpp, on the ISA's vector Vf (gemm_f32_epilogue.hpp: 16 lanes
// under AVX-512, 8 under AVX2). Included only by gemv_f32_avx2.cpp / gemv_f32_avx512.cpp,
// each compiled with its own -m flags; internal linkage, like gemm_f32_driver.hpp.
//
// Per panel (K x NR, NR = 2 vectors): K unrolled by 4 into 4 x 2 accumulators, so 8 FMA
// chains are in flight and each k step costs two loads of the panel. The panels of a
// thread's range are contiguous in memory; each K step also prefetches the same offset of
// the next panel (kGemvPrefetchAhead panels on) into L2, which keeps the stream ahead when
// the weights come from L3 or DRAM (the 1280 x 1000 classifier is 5 MB). The vector sum is
// finished in registers with alpha, the bias and the residual (read before y is written,
// so y may alias it), stored (masked past N), and the activation runs over the stored range.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "kernels/x86/gemv_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

constexpr int64_t kGemvNr = 2 * Vf::kLanes;
constexpr int kGemvUnroll = 4;

// Sum of x . panel over all K into (lo, hi), the panel's two column vectors.
inline void gemv_panel(const GemvF32Args& g, const float* b, const float* next, V& lo, V& hi) {
  V acc[kGemvUnroll][2];
  for (int u = 0; u < kGemvUnroll; ++u) acc[u][0] = acc[u][1] = Vf::set(0.0f);
  const float* x = g.x;
  const int64_t xs = g.x_stride;
  int64_t k = 0;
  for (; k + kGemvUnroll <= g.k; k += kGemvUnroll) {
    if (next) {
      // 4 K steps x NR floats = 4 (AVX2) or 8 (AVX-512) cache lines of the next panel.
      for (int64_t off = 0; off < kGemvUnroll * kGemvNr; off += 16)
        _mm_prefetch(reinterpret_cast<const char*>(next + k * kGemvNr + off), _MM_HINT_T1);
    }
#pragma GCC unroll 4
    for (int u = 0; u < kGemvUnroll; ++u) {
      const V xv = Vf::set(x[(k + u) * xs]);
      const float* bk = b + (k + u) * kGemvNr;
      acc[u][0] = Vf::fma(xv, Vf::load(bk), acc[u][0]);
      acc[u][1] = Vf::fma(xv, Vf::load(bk + Vf::kLanes), acc[u][1]);
    }
  }
  for (; k < g.k; ++k) {
    const V xv = Vf::set(x[k * xs]);
    acc[0][0] = Vf::fma(xv, Vf::load(b + k * kGemvNr), acc[0][0]);
    acc[0][1] = Vf::fma(xv, Vf::load(b + k * kGemvNr + Vf::kLanes), acc[0][1]);
  }
  lo = Vf::add(Vf::add(acc[0][0], acc[1][0]), Vf::add(acc[2][0], acc[3][0]));
  hi = Vf::add(Vf::add(acc[0][1], acc[1][1]), Vf::add(acc[2][1], acc[3][1]));
}

// y[j0, j0 + w) = alpha * v + beta * bias + residual (w <= Vf::kLanes live lanes).
inline void gemv_store(const GemvF32Args& g, V v, int64_t j0, int64_t w) {
  if (w <= 0) return;
  const bool full = w >= Vf::kLanes;
  const Vf::Mask m = Vf::mask(w);
  auto load = [&](const float* p) { return full ? Vf::load(p) : Vf::load(p, m); };
  if (g.alpha != 1.0f) v = Vf::mul(v, Vf::set(g.alpha));
  if (g.bias) {
    V bv;
    if (g.bias_stride == 1) {
      bv = load(g.bias + j0);
    } else if (g.bias_stride == 0) {
      bv = Vf::set(g.bias[0]);
    } else {
      alignas(64) float tmp[Vf::kLanes] = {};
      for (int64_t j = 0; j < w; ++j) tmp[j] = g.bias[(j0 + j) * g.bias_stride];
      bv = Vf::load(tmp);
    }
    v = Vf::add(v, g.beta == 1.0f ? bv : Vf::mul(Vf::set(g.beta), bv));
  }
  if (g.residual) v = Vf::add(v, load(g.residual + j0));
  if (full) {
    Vf::store(g.y + j0, v);
  } else {
    Vf::store(g.y + j0, v, m);
  }
}

inline void gemv_run(const GemvF32Args& g, ThreadPool* pool) {
  if (g.n <= 0) return;
  const int64_t panels = (g.n + kGemvNr - 1) / kGemvNr;
  const int64_t panel_floats = g.k * kGemvNr;
  parallel_for(pool, panels, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* b = g.packed_w + p * panel_floats;
      V lo, hi;
      gemv_panel(g, b, p + 1 < p1 ? b + panel_floats : nullptr, lo, hi);
      const int64_t j0 = p * kGemvNr, w = std::min(kGemvNr, g.n - j0);
      gemv_store(g, lo, j0, std::min<int64_t>(w, Vf::kLanes));
      gemv_store(g, hi, j0 + Vf::kLanes, w - Vf::kLanes);
    }
    const int64_t j0 = p0 * kGemvNr, j1 = std::min(g.n, p1 * kGemvNr);
    act_row(g.y + j0, j1 - j0, g.epilogue);
  });
}

}  // namespace
}  // namespace wisp::x86
