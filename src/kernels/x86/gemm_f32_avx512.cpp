// float32 GEMM microkernel for AVX-512F: an 8 x 32 tile of C in 16 zmm accumulators.
// Per k step: two aligned loads of packed B (32 floats), eight broadcasts of A, sixteen
// FMAs. Rows past m read row m-1 again (never stored); columns past n use AVX-512 masked
// loads and stores, so tails need no scratch tile.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include <immintrin.h>

#include "kernels/x86/gemm_f32_conv_driver.hpp"
#include "kernels/x86/gemm_f32_driver.hpp"
#include "kernels/x86/gemv_f32.hpp"

namespace wisp::x86 {
namespace {

inline __mmask16 lane_mask16(int r) {
  r = std::clamp(r, 0, 16);
  return static_cast<__mmask16>((1u << r) - 1u);
}

struct Avx512Kernel8x32 {
  static constexpr int64_t kMr = 8, kNr = 32;

  template <bool UnitCs>
  static void run(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, const float* b, float* c, int64_t ldc,
                  int m, int n, bool accumulate) {
    const float* ap[kMr];
    for (int i = 0; i < kMr; ++i) ap[i] = a + (i < m ? i : m - 1) * a_rs;
    __m512 acc[kMr][2];
    for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    int64_t off = 0;
    for (int64_t k = 0; k < kc; ++k) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
      b += kNr;
#pragma GCC unroll 8
      for (int i = 0; i < kMr; ++i) {
        const __m512 av = _mm512_set1_ps(ap[i][UnitCs ? k : off]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      }
      if (!UnitCs) off += a_cs;
    }
    store(acc, c, ldc, m, n, accumulate);
  }

  // A packed as kc x kMr (pack_conv_weights, or im2col panels): one pointer, broadcasts
  // at fixed offsets. A panel with at most 16 live columns (the tail of a tile: 196
  // positions end in a panel of 4) skips the FMAs of its empty half.
  static void run_packed(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                         bool accumulate) {
    __m512 acc[kMr][2];
    for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    if (n <= 16) {
      for (int64_t k = 0; k < kc; ++k) {
        const __m512 b0 = _mm512_load_ps(b);
        b += kNr;
#pragma GCC unroll 8
        for (int i = 0; i < kMr; ++i) acc[i][0] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i][0]);
        a += kMr;
      }
      return store(acc, c, ldc, m, n, accumulate);
    }
    for (int64_t k = 0; k < kc; ++k) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
      b += kNr;
#pragma GCC unroll 8
      for (int i = 0; i < kMr; ++i) {
        const __m512 av = _mm512_set1_ps(a[i]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      }
      a += kMr;
    }
    store(acc, c, ldc, m, n, accumulate);
  }

  static void store(__m512 (&acc)[kMr][2], float* c, int64_t ldc, int m, int n, bool accumulate) {
    const __mmask16 m0 = lane_mask16(n), m1 = lane_mask16(n - 16);
    for (int i = 0; i < m; ++i) {
      float* cr = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, cr));
        acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, cr + 16));
      }
      _mm512_mask_storeu_ps(cr, m0, acc[i][0]);
      _mm512_mask_storeu_ps(cr + 16, m1, acc[i][1]);
    }
  }
};

// One row (classifier Linear layers, batch-1 RNN steps): the GEMV, which walks four panels
// at once instead of the microkernel's single FMA chain per column vector (gemv_f32.hpp).
void gemm_avx512(const GemmF32Args& g, ThreadPool* pool) {
  static_assert(Avx512Kernel8x32::kNr == 32, "gemv_f32_avx512 reads panels of 32 columns");
  if (g.m == 1) {  // same sums as the microkernel's (kKc blocks), then the same epilogue
    gemv_f32_avx512(gemv_args_of_gemm(g, kKc), pool);
    return gemm_epilogue(g, 0, 1, 0, g.n);
  }
  gemm_blocked<Avx512Kernel8x32>(g, pool);
}
void conv_avx512(const ConvF32Args& a, ThreadPool* pool) { conv_blocked<Avx512Kernel8x32>(a, pool); }

}  // namespace

const GemmF32Impl* gemm_f32_avx512_impl() {
  static const GemmF32Impl impl{Isa::kAvx512, Avx512Kernel8x32::kNr, Avx512Kernel8x32::kMr, &pack_b_panels<Avx512Kernel8x32::kNr>,
                                &gemm_avx512, &pack_conv_weights<Avx512Kernel8x32::kMr>, &conv_avx512};
  return &impl;
}

}  // namespace wisp::x86
