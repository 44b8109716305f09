// float32 GEMM microkernel for AVX2 + FMA: a 6 x 16 tile of C in 12 ymm accumulators.
// Per k step: two aligned loads of packed B (16 floats), six broadcasts of A, twelve FMAs;
// 12 independent accumulators cover the FMA latency x throughput (4-5 cycles x 2 ports).
// Rows past m read row m-1 again (never stored); columns past n are masked on load/store.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp): call only when the CPU has them.
#include <immintrin.h>

#include "kernels/x86/gemm_f32_conv_driver.hpp"
#include "kernels/x86/gemm_f32_driver.hpp"
#include "kernels/x86/gemv_f32.hpp"

namespace wisp::x86 {
namespace {

// Lane mask with the first r (0..8) lanes set.
inline __m256i lane_mask(int r) {
  static const int32_t kTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  r = std::clamp(r, 0, 8);
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable + 8 - r));
}

struct Avx2Kernel6x16 {
  static constexpr int64_t kMr = 6, kNr = 16;

  template <bool UnitCs>
  static void run(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, const float* b, float* c, int64_t ldc,
                  int m, int n, bool accumulate) {
    const float* ap[kMr];
    for (int i = 0; i < kMr; ++i) ap[i] = a + (i < m ? i : m - 1) * a_rs;
    __m256 acc[kMr][2];
    for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    int64_t off = 0;
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      b += kNr;
#pragma GCC unroll 6
      for (int i = 0; i < kMr; ++i) {
        const __m256 av = _mm256_broadcast_ss(ap[i] + (UnitCs ? k : off));
        acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      }
      if (!UnitCs) off += a_cs;
    }
    store(acc, c, ldc, m, n, accumulate);
  }

  // A packed as kc x kMr (pack_conv_weights, or im2col panels): one pointer, broadcasts
  // at fixed offsets, so the loop keeps its 12 accumulators in registers (the strided
  // run<false> form measured ~35 GFLOP/s against ~85 for this one on the Conv shapes).
  static void run_packed(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                         bool accumulate) {
    __m256 acc[kMr][2];
    for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      b += kNr;
#pragma GCC unroll 6
      for (int i = 0; i < kMr; ++i) {
        const __m256 av = _mm256_broadcast_ss(a + i);
        acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      }
      a += kMr;
    }
    store(acc, c, ldc, m, n, accumulate);
  }

  static void store(__m256 (&acc)[kMr][2], float* c, int64_t ldc, int m, int n, bool accumulate) {
    if (n == kNr) {
      for (int i = 0; i < m; ++i) {
        float* cr = c + i * ldc;
        if (accumulate) {
          acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(cr));
          acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(cr + 8));
        }
        _mm256_storeu_ps(cr, acc[i][0]);
        _mm256_storeu_ps(cr + 8, acc[i][1]);
      }
      return;
    }
    const __m256i m0 = lane_mask(n), m1 = lane_mask(n - 8);
    for (int i = 0; i < m; ++i) {
      float* cr = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_maskload_ps(cr, m0));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_maskload_ps(cr + 8, m1));
      }
      _mm256_maskstore_ps(cr, m0, acc[i][0]);
      _mm256_maskstore_ps(cr + 8, m1, acc[i][1]);
    }
  }
};

// One row (classifier Linear layers, batch-1 RNN steps): the GEMV, which walks four panels
// at once instead of the microkernel's single FMA chain per column vector (gemv_f32.hpp).
void gemm_avx2(const GemmF32Args& g, ThreadPool* pool) {
  static_assert(Avx2Kernel6x16::kNr == 16, "gemv_f32_avx2 reads panels of 16 columns");
  if (g.m == 1) {  // same sums as the microkernel's (kKc blocks), then the same epilogue
    gemv_f32_avx2(gemv_args_of_gemm(g, kKc), pool);
    return gemm_epilogue(g, 0, 1, 0, g.n);
  }
  gemm_blocked<Avx2Kernel6x16>(g, pool);
}
void conv_avx2(const ConvF32Args& a, ThreadPool* pool) { conv_blocked<Avx2Kernel6x16>(a, pool); }

}  // namespace

const GemmF32Impl* gemm_f32_avx2_impl() {
  static const GemmF32Impl impl{Isa::kAvx2, Avx2Kernel6x16::kNr, Avx2Kernel6x16::kMr, &pack_b_panels<Avx2Kernel6x16::kNr>,
                                &gemm_avx2, &pack_conv_weights<Avx2Kernel6x16::kMr>, &conv_avx2};
  return &impl;
}

}  // namespace wisp::x86
