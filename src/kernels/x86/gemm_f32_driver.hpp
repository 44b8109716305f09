// Cache blocking and threading for the float32 GEMM, templated on one ISA's microkernel.
// Included only by the ISA files (each compiled with its own -m flags); everything here has
// internal linkage so that no function compiled for AVX-512 can be picked by the linker
// for a caller built for AVX2.
//
// Blocking (BLIS order, minus packing A): C is cut into units of MC rows x NC columns,
// handed to threads as contiguous ranges. Within a unit, K is walked in KC steps; for each
// MR-row sliver of A (MR x KC floats, stays in L1) the microkernel sweeps the NR-column
// panels of packed B (KC x NC floats, stays in L2), accumulating into C after the first
// K step. Every C element is summed in the same order whatever the unit or thread, so
// results are identical for any thread count. alpha and the bias are applied per unit
// once all of K is done, while the unit is still in cache.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/x86/gemm_f32.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

constexpr int64_t kKc = 256;
constexpr int64_t kNc = 256;

template <int64_t Nr>
void pack_b_panels(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* out) {
  for (int64_t j0 = 0; j0 < n; j0 += Nr) {
    const int64_t w = std::min<int64_t>(Nr, n - j0);
    for (int64_t kk = 0; kk < k; ++kk) {
      float* dst = out + kk * Nr;
      const float* src = b + kk * b_rs + j0 * b_cs;
      if (b_cs == 1) {
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j];
      } else {
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j * b_cs];
      }
      for (int64_t j = w; j < Nr; ++j) dst[j] = 0.0f;
    }
    out += k * Nr;
  }
}

// C = act(alpha * C + beta * bias) over rows [i0, i1) and columns [j0, j1), in the order
// the reference Gemm kernel uses, so fused models give the reference's results.
inline void gemm_epilogue(const GemmF32Args& g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const bool scale_or_bias = g.alpha != 1.0f || g.bias;
  if (!scale_or_bias && g.epilogue.act == ref::EpilogueAct::kNone) return;
  for (int64_t i = i0; i < i1; ++i) {
    float* c = g.c + i * g.ldc;
    if (g.bias) {
      const float* bias = g.bias + i * g.bias_rs;
      for (int64_t j = j0; j < j1; ++j) c[j] = g.alpha * c[j] + g.beta * bias[j * g.bias_cs];
    } else if (g.alpha != 1.0f) {
      for (int64_t j = j0; j < j1; ++j) c[j] *= g.alpha;
    }
    act_row(c + j0, j1 - j0, g.epilogue);  // vectorised (gemm_f32_epilogue.hpp)
  }
}

// Kernel: kMr, kNr and
//   run<UnitCs>(kc, a, a_rs, a_cs, packed_b, c, ldc, m, n, accumulate)
// computing the m x n (<= kMr x kNr) tile C = A x B over kc steps (C += ... if accumulate);
// run_packed(kc, a, packed_b, c, ldc, m, n, accumulate) is the same with A packed as
// kc x kMr (the Conv driver's weights).
template <class Kernel>
void gemm_blocked(const GemmF32Args& g, ThreadPool* pool) {
  constexpr int64_t kMr = Kernel::kMr, kNr = Kernel::kNr, kMc = Kernel::kMr * 12;
  static_assert(kNc % kNr == 0);
  if (g.m <= 0 || g.n <= 0) return;
  const int64_t n_blocks = (g.n + kNc - 1) / kNc;
  // With threads, cut M finer when there would be fewer than two units per thread (a
  // 256-row problem is only 3 MC blocks). Only unit boundaries move, never the order of
  // any element's sum, so results stay the same for every thread count.
  int64_t mc = kMc;
  const int64_t threads = pool ? pool->threads() : 1;
  if (threads > 1) {
    const int64_t want_m_blocks = (2 * threads + n_blocks - 1) / n_blocks;
    const int64_t rows = (g.m + want_m_blocks - 1) / want_m_blocks;
    mc = std::clamp((rows + kMr - 1) / kMr * kMr, kMr, kMc);
  }
  const int64_t m_blocks = (g.m + mc - 1) / mc;
  const bool unit_cs = g.a_cs == 1;
  parallel_for(pool, m_blocks * n_blocks, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t i0 = u / n_blocks * mc, i1 = std::min(g.m, i0 + mc);
      const int64_t j0 = u % n_blocks * kNc, j1 = std::min(g.n, j0 + kNc);
      if (g.k == 0) {
        for (int64_t i = i0; i < i1; ++i) std::fill(g.c + i * g.ldc + j0, g.c + i * g.ldc + j1, 0.0f);
      }
      for (int64_t p0 = 0; p0 < g.k; p0 += kKc) {
        const int64_t kc = std::min(kKc, g.k - p0);
        for (int64_t i = i0; i < i1; i += kMr) {
          const float* a = g.a + i * g.a_rs + p0 * g.a_cs;
          const int m = static_cast<int>(std::min(kMr, i1 - i));
          for (int64_t j = j0; j < j1; j += kNr) {
            const float* b = g.packed_b + j / kNr * g.k * kNr + p0 * kNr;
            const int n = static_cast<int>(std::min(kNr, j1 - j));
            if (unit_cs) {
              Kernel::template run<true>(kc, a, g.a_rs, 1, b, g.c + i * g.ldc + j, g.ldc, m, n, p0 > 0);
            } else {
              Kernel::template run<false>(kc, a, g.a_rs, g.a_cs, b, g.c + i * g.ldc + j, g.ldc, m, n, p0 > 0);
            }
          }
        }
      }
      gemm_epilogue(g, i0, i1, j0, j1);
    }
  });
}

}  // namespace
}  // namespace wisp::x86
