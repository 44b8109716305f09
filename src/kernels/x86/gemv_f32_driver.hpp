// The GEMV kernel of gemv_f32.hpp, on the ISA's vector Vf (gemm_f32_epilogue.hpp: 16 lanes
// under AVX-512, 8 under AVX2). Included only by gemv_f32_avx2.cpp / gemv_f32_avx512.cpp,
// each compiled with its own -m flags; internal linkage, like gemm_f32_driver.hpp.
//
// A group of kGemvPanels panels (K x NR each, NR = 2 vectors) is walked at once: per k step
// one broadcast of x[k] and 2 x kGemvPanels FMAs into independent accumulators, one per
// column vector, k in order -- the tile kernels' order, so the bits match theirs. Per K
// block of kc steps the accumulators start from zero and are then added onto the running
// total (the first block onto bias + residual), as the tile kernels store and reload C.
// The last group of a thread's range reuses its last panel for the missing ones (computed,
// never stored), like the GEMM microkernel's rows past m. No software prefetch: the four
// streams are sequential, which the hardware prefetchers follow; prefetching each stream
// 16 k steps ahead measured no different in the zoo (docs/benchmarks.md, branch gemv).
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
constexpr int kGemvPanels = 4;

// Panels [p, p + count) (count <= kGemvPanels) of y.
inline void gemv_group(const GemvF32Args& g, int64_t p, int64_t count) {
  const int64_t panel_floats = g.k * kGemvNr;
  const float* b[kGemvPanels];
  for (int q = 0; q < kGemvPanels; ++q) b[q] = g.packed_w + (p + std::min<int64_t>(q, count - 1)) * panel_floats;
  V total[kGemvPanels][2];
  int64_t p0 = 0;
  do {  // at least one block, so that K = 0 gives bias + residual
    const int64_t kend = std::min(g.k, p0 + g.kc);
    V acc[kGemvPanels][2];
    for (int q = 0; q < kGemvPanels; ++q) acc[q][0] = acc[q][1] = Vf::set(0.0f);
    for (int64_t k = p0; k < kend; ++k) {
      const V xv = Vf::set(g.x[k * g.x_stride]);
#pragma GCC unroll 4
      for (int q = 0; q < kGemvPanels; ++q) {
        const float* bk = b[q] + k * kGemvNr;
        acc[q][0] = Vf::fma(xv, Vf::load(bk), acc[q][0]);
        acc[q][1] = Vf::fma(xv, Vf::load(bk + Vf::kLanes), acc[q][1]);
      }
    }
    for (int q = 0; q < kGemvPanels; ++q)
      for (int h = 0; h < 2; ++h) {
        if (p0 > 0) {
          total[q][h] = Vf::add(acc[q][h], total[q][h]);
          continue;
        }
        // First block: + bias + residual, in the NhwcConv tile store's order. Columns past
        // n (and the reused panels) load zeros through an empty mask and are never stored.
        V v = acc[q][h];
        const int64_t j0 = (p + q) * kGemvNr + h * Vf::kLanes;
        const Vf::Mask m = Vf::mask(std::min<int64_t>(Vf::kLanes, g.n - j0));
        if (g.bias) v = Vf::add(v, Vf::load(g.bias + j0, m));
        if (g.residual) v = Vf::add(v, Vf::load(g.residual + j0, m));
        total[q][h] = v;
      }
    p0 = kend;
  } while (p0 < g.k);
  for (int64_t q = 0; q < count; ++q)
    for (int h = 0; h < 2; ++h) {
      const int64_t j0 = (p + q) * kGemvNr + h * Vf::kLanes, w = std::min<int64_t>(Vf::kLanes, g.n - j0);
      if (w <= 0) continue;
      if (w == Vf::kLanes) {
        Vf::store(g.y + j0, total[q][h]);
      } else {
        Vf::store(g.y + j0, total[q][h], Vf::mask(w));
      }
    }
}

inline void gemv_run(const GemvF32Args& g, ThreadPool* pool) {
  if (g.n <= 0) return;
  const int64_t panels = (g.n + kGemvNr - 1) / kGemvNr;
  parallel_for(pool, panels, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p += kGemvPanels) gemv_group(g, p, std::min<int64_t>(kGemvPanels, p1 - p));
    const int64_t j0 = p0 * kGemvNr, j1 = std::min(g.n, p1 * kGemvNr);
    act_row(g.y + j0, j1 - j0, g.epilogue);
  });
}

}  // namespace
}  // namespace wisp::x86
