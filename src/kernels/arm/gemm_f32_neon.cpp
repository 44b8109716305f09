// float32 GEMM for aarch64 NEON: an 8 x 12 register-blocked microkernel and its driver.
//
// Microkernel: the 8 x 12 tile of C lives in 24 q-registers (8 rows x 3 vectors of 4).
// Per k step it loads 12 floats of packed B (3 vectors) and 8 floats of the A sliver (2
// vectors), and does 24 vfmaq_laneq_f32 (B vector times one lane of A): 29 of the 32
// vector registers, and 24 independent accumulators cover the FMA latency (4 cycles x 2
// pipes on Cortex-A7x/Neoverse). Edge tiles compute 12 columns (packed B is zero-padded)
// and 8, 4 or 1 rows (the A sliver is zero-padded), and store only m x n through a stack
// tile.
//
// Driver (BLIS order): C is cut into units of MC rows x NC columns, handed to threads as
// contiguous ranges. Within a unit, K is walked in KC steps; for each 8-row sliver of A,
// the KC x 8 block is copied k-major into a stack buffer (8 KB, stays in L1) and swept
// over the unit's 12-column panels of packed B (KC x NC, stays in L2). Every element of
// C is summed in the same order whatever the unit size or thread, so results are
// bit-identical for any thread count. alpha, bias and the activation are applied per
// unit after the last K step, while the unit is still in cache.
#include "kernels/arm/gemm_f32_neon.hpp"

#include <arm_neon.h>

#include <algorithm>
#include <vector>

#include "kernels/ref/epilogue.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

constexpr int64_t kMr = kNeonMr, kNr = kNeonNr;
constexpr int64_t kKc = 256;
constexpr int64_t kNc = 240;  // a multiple of kNr
constexpr int64_t kMc = kMr * 12;
static_assert(kNc % kNr == 0);

// C[0:m, 0:n] (+)= A_sliver (kc x 8, k-major) x B_panel (kc x 12), for m <= Rows. Slivers
// of at most 4 rows (Rows = 4) or one row (Rows = 1: a batch-1 Linear layer) skip the
// FMAs of rows that do not exist; every computed element gets the same FMA sequence
// whichever Rows computes it, so the choice never changes a result.
template <int Rows>
void microkernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  float32x4_t acc[Rows][3];
  for (auto& row : acc) row[0] = row[1] = row[2] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    b += kNr;
    if constexpr (Rows == 1) {
      acc[0][0] = vfmaq_n_f32(acc[0][0], b0, a[0]);
      acc[0][1] = vfmaq_n_f32(acc[0][1], b1, a[0]);
      acc[0][2] = vfmaq_n_f32(acc[0][2], b2, a[0]);
    } else {
      const float32x4_t a0 = vld1q_f32(a);
#define WISP_ROW(i, av, lane)                                  \
  acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);        \
  acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);        \
  acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
      WISP_ROW(0, a0, 0) WISP_ROW(1, a0, 1) WISP_ROW(2, a0, 2) WISP_ROW(3, a0, 3)
      if constexpr (Rows == 8) {
        const float32x4_t a1 = vld1q_f32(a + 4);
        WISP_ROW(4, a1, 0) WISP_ROW(5, a1, 1) WISP_ROW(6, a1, 2) WISP_ROW(7, a1, 3)
      }
#undef WISP_ROW
    }
    a += kMr;
  }
  if (m == Rows && n == kNr) {
    for (int i = 0; i < Rows; ++i) {
      float* cr = c + i * ldc;
      for (int v = 0; v < 3; ++v) {
        if (accumulate) acc[i][v] = vaddq_f32(acc[i][v], vld1q_f32(cr + 4 * v));
        vst1q_f32(cr + 4 * v, acc[i][v]);
      }
    }
    return;
  }
  float tile[Rows][kNr];
  for (int i = 0; i < Rows; ++i)
    for (int v = 0; v < 3; ++v) vst1q_f32(&tile[i][4 * v], acc[i][v]);
  for (int i = 0; i < m; ++i) {
    float* cr = c + i * ldc;
    for (int j = 0; j < n; ++j) cr[j] = accumulate ? cr[j] + tile[i][j] : tile[i][j];
  }
}

// Copies rows [0, m) x k [0, kc) of A (strided) k-major into `out` (kc x 8), zero rows past m.
void pack_a_sliver(const float* a, int64_t a_rs, int64_t a_cs, int m, int64_t kc, float* out) {
  if (m < kMr) std::fill(out, out + kc * kMr, 0.0f);
  for (int i = 0; i < m; ++i) {
    const float* src = a + i * a_rs;
    for (int64_t k = 0; k < kc; ++k) out[k * kMr + i] = src[k * a_cs];
  }
}

// C = act(alpha * C + beta * bias) over rows [i0, i1) and columns [j0, j1), in the order
// the reference Gemm kernel uses.
void epilogue(const GemmF32NeonArgs& g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
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
    apply_epilogue_f32_neon(c + j0, j1 - j0, g.epilogue);
  }
}

}  // namespace

void pack_b_f32_neon(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* out) {
  for (int64_t j0 = 0; j0 < n; j0 += kNr) {
    const int64_t w = std::min<int64_t>(kNr, n - j0);
    for (int64_t kk = 0; kk < k; ++kk) {
      float* dst = out + kk * kNr;
      const float* src = b + kk * b_rs + j0 * b_cs;
      if (b_cs == 1) {
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j];
      } else {
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j * b_cs];
      }
      for (int64_t j = w; j < kNr; ++j) dst[j] = 0.0f;
    }
    out += k * kNr;
  }
}

void gemm_f32_neon(const GemmF32NeonArgs& g, ThreadPool* pool) {
  if (g.m <= 0 || g.n <= 0) return;
  const int64_t n_blocks = (g.n + kNc - 1) / kNc;
  // With threads, cut M finer when there would be fewer than two units per thread. Only
  // unit boundaries move, never the order of any element's sum.
  int64_t mc = kMc;
  const int64_t threads = pool ? pool->threads() : 1;
  if (threads > 1) {
    const int64_t want_m_blocks = (2 * threads + n_blocks - 1) / n_blocks;
    const int64_t rows = (g.m + want_m_blocks - 1) / want_m_blocks;
    mc = std::clamp((rows + kMr - 1) / kMr * kMr, kMr, kMc);
  }
  const int64_t m_blocks = (g.m + mc - 1) / mc;
  parallel_for(pool, m_blocks * n_blocks, [&](int64_t u0, int64_t u1) {
    alignas(16) float a_sliver[kKc * kMr];
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t i0 = u / n_blocks * mc, i1 = std::min(g.m, i0 + mc);
      const int64_t j0 = u % n_blocks * kNc, j1 = std::min(g.n, j0 + kNc);
      if (g.k == 0) {
        for (int64_t i = i0; i < i1; ++i) std::fill(g.c + i * g.ldc + j0, g.c + i * g.ldc + j1, 0.0f);
      }
      for (int64_t p0 = 0; p0 < g.k; p0 += kKc) {
        const int64_t kc = std::min(kKc, g.k - p0);
        for (int64_t i = i0; i < i1; i += kMr) {
          const int m = static_cast<int>(std::min(kMr, i1 - i));
          pack_a_sliver(g.a + i * g.a_rs + p0 * g.a_cs, g.a_rs, g.a_cs, m, kc, a_sliver);
          for (int64_t j = j0; j < j1; j += kNr) {
            const float* b = g.packed_b + j / kNr * g.k * kNr + p0 * kNr;
            const int n = static_cast<int>(std::min(kNr, j1 - j));
            float* c = g.c + i * g.ldc + j;
            if (m > 4) {
              microkernel<8>(kc, a_sliver, b, c, g.ldc, m, n, p0 > 0);
            } else if (m > 1) {
              microkernel<4>(kc, a_sliver, b, c, g.ldc, m, n, p0 > 0);
            } else {
              microkernel<1>(kc, a_sliver, b, c, g.ldc, m, n, p0 > 0);
            }
          }
        }
      }
      epilogue(g, i0, i1, j0, j1);
    }
  });
}

const float* packed_b_f32_neon(bool constant, std::shared_ptr<PackedWeights>& cache, int64_t k, int64_t n,
                               const float* b, int64_t b_rs, int64_t b_cs) {
  const int64_t size = packed_b_size_f32_neon(k, n);
  if (constant) {
    if (!cache || cache->source != b || cache->isa != Isa::kNeon) {
      auto fresh = std::make_shared<PackedWeights>();
      fresh->source = b;
      fresh->isa = Isa::kNeon;
      fresh->storage.resize(static_cast<size_t>(size));  // vld1q_f32 needs no alignment
      fresh->data = fresh->storage.data();
      pack_b_f32_neon(k, n, b, b_rs, b_cs, fresh->data);
      cache = std::move(fresh);
    }
    return cache->data;
  }
  thread_local std::vector<float> scratch;
  if (scratch.size() < static_cast<size_t>(size)) scratch.resize(static_cast<size_t>(size));
  pack_b_f32_neon(k, n, b, b_rs, b_cs, scratch.data());
  return scratch.data();
}

}  // namespace wisp::arm
