// AVX-512 VNNI microkernel of the x86 int8 GEMM (layouts in qgemm_x86.hpp): 8 channels x
// 32 positions, vpdpbusd (u8 x s8, 4 products summed into each int32 lane, exact; not the
// saturating vpdpbusds). The file is built with AVX-512F/BW; the VNNI instructions are
// enabled on this function only, and it is used only when cpuid reports avx512vnni
// (AVX-512 CPUs without VNNI run the AVX2 microkernel).
#include <immintrin.h>

// GCC 12's unmasked 64-bit AVX-512 intrinsics (vpmuldq, vpsraq, vpminsq, vpmovdb) pass an
// undefined vector that -Wmaybe-uninitialized flags (see vec_math_avx512.hpp): a false
// positive, silenced for this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// The same false positive reads as -Wuninitialized once inlined into tile_requant_vnni.
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "cpu/cpu_features.hpp"
#include "kernels/x86/qgemm_x86.hpp"
#include "kernels/x86/requant_avx512.hpp"

namespace wisp::x86 {
namespace {

constexpr int kMr = 8, kNr = 32;

__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline void accumulate_tile(
    int64_t kgroups, const void* w_block, const uint8_t* x, int64_t xs, __m512i (&a)[kMr][2]) {
  const int32_t* w = static_cast<const int32_t*>(w_block);  // 4 int8 weights per int32
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
}

// The fused form (qgemm_x86.hpp tile_requant): every row's shift >= 32, full tile.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_requant_vnni(
    int64_t kgroups, const void* w_block, const uint8_t* x, int64_t xs, const int32_t* add,
    const quant::FixedPointMultiplier* fm, int32_t zp, int32_t qmin, int32_t qmax, uint8_t flip, uint8_t* y,
    int64_t y_cs) {
  __m512i a[kMr][2];
  accumulate_tile(kgroups, w_block, x, xs, a);
  const __m128i vflip = _mm_set1_epi8(static_cast<char>(flip));
  const __m512i lo = _mm512_set1_epi32(qmin - zp), hi = _mm512_set1_epi32(qmax - zp), vzp = _mm512_set1_epi32(zp);
  for (int r = 0; r < kMr; ++r) {
    const Requant16Shift32 rq(fm[r], lo, hi, vzp);
    const __m512i vadd = _mm512_set1_epi32(add[r]);
    uint8_t* yr = y + r * y_cs;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(yr),
                     _mm_xor_si128(_mm512_cvtepi32_epi8(rq(_mm512_add_epi32(a[r][0], vadd))), vflip));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(yr + 16),
                     _mm_xor_si128(_mm512_cvtepi32_epi8(rq(_mm512_add_epi32(a[r][1], vadd))), vflip));
  }
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_vnni(int64_t kgroups, const void* w_block,
                                                                       const uint8_t* x, int64_t xs, int32_t* acc) {
  __m512i a[kMr][2];
  accumulate_tile(kgroups, w_block, x, xs, a);
  for (int r = 0; r < kMr; ++r) {
    _mm512_storeu_si512(acc + r * kNr, a[r][0]);
    _mm512_storeu_si512(acc + r * kNr + 16, a[r][1]);
  }
}

// The gemv: NB blocks of 8 channels at a time. A 64-byte load covers k-groups g and g + 1
// of one block ([g][8][4] int8), so X is broadcast as (xw[g] x 8, xw[g + 1] x 8) and the
// two halves of the accumulator are summed at the end.
template <int NB>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) inline void gemv_blocks(int64_t kgroups, const uint8_t* w,
                                                                               int64_t w_block_bytes,
                                                                               const uint32_t* xw, int32_t* acc) {
  __m512i a[NB];
  for (auto& v : a) v = _mm512_setzero_si512();
  int64_t g = 0;
  for (; g + 2 <= kgroups; g += 2) {
    const __m512i xv = _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(static_cast<int32_t>(xw[g])),
                                               _mm512_set1_epi32(static_cast<int32_t>(xw[g + 1])));
    for (int i = 0; i < NB; ++i) a[i] = _mm512_dpbusd_epi32(a[i], xv, _mm512_loadu_si512(w + i * w_block_bytes + g * 32));
  }
  if (g < kgroups) {  // odd count: the last group alone (the upper half loads as zeros)
    const __m512i xv = _mm512_set1_epi32(static_cast<int32_t>(xw[g]));
    for (int i = 0; i < NB; ++i)
      a[i] = _mm512_dpbusd_epi32(a[i], xv, _mm512_maskz_loadu_epi32(0x00FF, w + i * w_block_bytes + g * 32));
  }
  for (int i = 0; i < NB; ++i)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8 * i),
                        _mm256_add_epi32(_mm512_castsi512_si256(a[i]), _mm512_extracti64x4_epi64(a[i], 1)));
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void gemv_vnni(int64_t kgroups, const void* w,
                                                                      int64_t w_block_bytes, int64_t blocks,
                                                                      const uint32_t* xw, int32_t* acc) {
  const auto* wb = static_cast<const uint8_t*>(w);
  int64_t b = 0;
  for (; b + 4 <= blocks; b += 4) gemv_blocks<4>(kgroups, wb + b * w_block_bytes, w_block_bytes, xw, acc + 8 * b);
  for (; b < blocks; ++b) gemv_blocks<1>(kgroups, wb + b * w_block_bytes, w_block_bytes, xw, acc + 8 * b);
}

// quant::requantize on 16 lanes: the even and odd int32 lanes are multiplied as int64
// (vpmuldq), rounded and shifted arithmetically (vpsraq), clamped in 64 bits, then merged
// back into 16 int32 lanes and narrowed to bytes.
void requant_avx512(const int32_t* acc, int64_t n, int32_t add, quant::FixedPointMultiplier fm, int32_t zp,
                    int32_t qmin, int32_t qmax, uint8_t flip, uint8_t* y) {
  if (Requant16Shift32::applies(fm)) {  // every real layer: the 32-bit merge, no 64-bit clamps
    const Requant16Shift32 rq(fm, zp, qmin, qmax);
    const __m512i vadd = _mm512_set1_epi32(add);
    const __m128i vflip = _mm_set1_epi8(static_cast<char>(flip));
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
      const __m512i v = _mm512_add_epi32(_mm512_loadu_si512(acc + j), vadd);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + j), _mm_xor_si128(_mm512_cvtepi32_epi8(rq(v)), vflip));
    }
    if (j < n) {
      const __mmask16 mask = __mmask16((1u << (n - j)) - 1);
      const __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, acc + j), vadd);
      _mm_mask_storeu_epi8(y + j, mask, _mm_xor_si128(_mm512_cvtepi32_epi8(rq(v)), vflip));
    }
    return;
  }
  const __m512i vadd = _mm512_set1_epi32(add), vm = _mm512_set1_epi64(fm.multiplier);
  const __m512i round = _mm512_set1_epi64(int64_t{1} << (fm.shift - 1));
  const __m128i shift = _mm_cvtsi32_si128(fm.shift);
  const __m512i lo = _mm512_set1_epi64(int64_t{qmin} - zp), hi = _mm512_set1_epi64(int64_t{qmax} - zp);
  const __m512i vzp = _mm512_set1_epi32(zp), low32 = _mm512_set1_epi64(0xFFFFFFFF);
  const __m128i vflip = _mm_set1_epi8(static_cast<char>(flip));
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 mask = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    const __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, acc + j), vadd);
    const auto scale = [&](__m512i lanes) {  // the even int32 lanes of `lanes`, as int64
      __m512i p = _mm512_add_epi64(_mm512_mul_epi32(lanes, vm), round);
      p = _mm512_sra_epi64(p, shift);
      return _mm512_min_epi64(_mm512_max_epi64(p, lo), hi);
    };
    const __m512i even = scale(v), odd = scale(_mm512_srli_epi64(v, 32));
    const __m512i merged = _mm512_or_si512(_mm512_and_si512(even, low32), _mm512_slli_epi64(odd, 32));
    const __m128i bytes = _mm_xor_si128(_mm512_cvtepi32_epi8(_mm512_add_epi32(merged, vzp)), vflip);
    _mm_mask_storeu_epi8(y + j, mask, bytes);
  }
}

// One call per 8 x 32 tile instead of one per row: rows with shift >= 32 (all, in real
// models) run Requant16Shift32 on both halves of the row with plain stores.
void requant_tile_avx512(const int32_t* acc, int64_t rows, int64_t n, const int32_t* add,
                         const quant::FixedPointMultiplier* fm, int32_t zp, int32_t qmin, int32_t qmax, uint8_t flip,
                         uint8_t* y, int64_t y_cs) {
  const __m128i vflip = _mm_set1_epi8(static_cast<char>(flip));
  const __m512i lo = _mm512_set1_epi32(qmin - zp), hi = _mm512_set1_epi32(qmax - zp), vzp = _mm512_set1_epi32(zp);
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* a = acc + r * kNr;
    uint8_t* yr = y + r * y_cs;
    if (n != kNr || !Requant16Shift32::applies(fm[r])) {
      requant_avx512(a, n, add[r], fm[r], zp, qmin, qmax, flip, yr);
      continue;
    }
    const Requant16Shift32 rq(fm[r], lo, hi, vzp);
    const __m512i vadd = _mm512_set1_epi32(add[r]);
    const __m512i q0 = rq(_mm512_add_epi32(_mm512_loadu_si512(a), vadd));
    const __m512i q1 = rq(_mm512_add_epi32(_mm512_loadu_si512(a + 16), vadd));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(yr), _mm_xor_si128(_mm512_cvtepi32_epi8(q0), vflip));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(yr + 16), _mm_xor_si128(_mm512_cvtepi32_epi8(q1), vflip));
  }
}

const QGemmMicrokernel kVnniKernel{Isa::kAvx512,     "avx512 vnni (vpdpbusd)", kMr, kNr, 1, tile_vnni, requant_avx512,
                                   requant_tile_avx512, tile_requant_vnni, gemv_vnni};

}  // namespace

const QGemmMicrokernel* qgemm_microkernel_avx512() { return cpu_features().avx512vnni ? &kVnniKernel : nullptr; }

}  // namespace wisp::x86
