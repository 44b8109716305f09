// AVX-512 VNNI microkernel of the x86 int8 GEMM (layouts in qgemm_x86.hpp): 8 channels x
// 32 positions, vpdpbusd (u8 x s8, 4 products summed into each int32 lane, exact; not the
// saturating vpdpbusds). The file is built with AVX-512F/BW; the VNNI instructions are
// enabled on this function only, and it is used only when cpuid reports avx512vnni
// (AVX-512 CPUs without VNNI run the AVX2 microkernel).
#include <immintrin.h>

#include "cpu/cpu_features.hpp"
#include "kernels/x86/qgemm_x86.hpp"

namespace wisp::x86 {
namespace {

constexpr int kMr = 8, kNr = 32;

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_vnni(int64_t kgroups, const void* w_block,
                                                                       const uint8_t* x, int64_t xs, int32_t* acc) {
  const int32_t* w = static_cast<const int32_t*>(w_block);  // 4 int8 weights per int32
  __m512i a[kMr][2];
  for (auto& r : a) r[0] = r[1] = _mm512_setzero_si512();
  for (int64_t g = 0; g < kgroups; ++g) {
    const __m512i x0 = _mm512_loadu_si512(x + g * xs);
    const __m512i x1 = _mm512_loadu_si512(x + g * xs + 64);
    const int32_t* wg = w + g * kMr;
    for (int r = 0; r < kMr; ++r) {
      const __m512i wv = _mm512_set1_epi32(wg[r]);
      a[r][0] = _mm512_dpbusd_epi32(a[r][0], x0, wv);
      a[r][1] = _mm512_dpbusd_epi32(a[r][1], x1, wv);
    }
  }
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(acc + r * kNr, a[r][0]);
    _mm512_storeu_si512(acc + r * kNr + 16, a[r][1]);
  }
}

const QGemmMicrokernel kVnniKernel{Isa::kAvx512, "avx512 vnni (vpdpbusd)", kMr, kNr, 1, tile_vnni};

}  // namespace

const QGemmMicrokernel* qgemm_microkernel_avx512() { return cpu_features().avx512vnni ? &kVnniKernel : nullptr; }

}  // namespace wisp::x86
