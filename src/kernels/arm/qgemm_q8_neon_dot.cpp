// The dot-product microkernel of the NEON int8 GEMM (qgemm_q8_neon.hpp): built with
// -march=armv8.2-a+dotprod (CMakeLists.txt, this file only) and called only when
// cpu_features().dotprod says the CPU has sdot. 8 channels x 8 positions: per k-group two
// 16-byte X vectors (4 positions x 4 k each, flipped back to int8) and two weight vectors
// (4 channels x 4 k each); sdot by lane adds channel r's 4 products into each position's
// lane, 16 sdot per k-group into 16 accumulators.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/qgemm_q8_neon.hpp"

namespace wisp::arm {
namespace {

template <int kLane>
inline void dot_lane(int32x4_t (&a)[kQNeonMr][2], int row0, int8x16_t x0, int8x16_t x1, int8x16_t w) {
  a[row0 + kLane][0] = vdotq_laneq_s32(a[row0 + kLane][0], x0, w, kLane);
  a[row0 + kLane][1] = vdotq_laneq_s32(a[row0 + kLane][1], x1, w, kLane);
}

void tile_dot(int64_t kgroups, const int8_t* w, const uint8_t* x, int64_t xs, int32_t* acc) {
  const uint8x16_t flip = vdupq_n_u8(0x80);
  int32x4_t a[kQNeonMr][2];
  for (auto& r : a) r[0] = r[1] = vdupq_n_s32(0);
  for (int64_t g = 0; g < kgroups; ++g) {
    const int8x16_t x0 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x + g * xs), flip));
    const int8x16_t x1 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x + g * xs + 16), flip));
    const int8x16_t w0 = vld1q_s8(w + g * kQNeonMr * 4), w1 = vld1q_s8(w + g * kQNeonMr * 4 + 16);
    dot_lane<0>(a, 0, x0, x1, w0);
    dot_lane<1>(a, 0, x0, x1, w0);
    dot_lane<2>(a, 0, x0, x1, w0);
    dot_lane<3>(a, 0, x0, x1, w0);
    dot_lane<0>(a, 4, x0, x1, w1);
    dot_lane<1>(a, 4, x0, x1, w1);
    dot_lane<2>(a, 4, x0, x1, w1);
    dot_lane<3>(a, 4, x0, x1, w1);
  }
  int32_t trailer[kQNeonMr];
  std::memcpy(trailer, w + kgroups * kQNeonMr * 4, sizeof trailer);
  for (int r = 0; r < kQNeonMr; ++r) {
    const int32x4_t t = vdupq_n_s32(trailer[r]);
    vst1q_s32(acc + r * kQNeonNr, vaddq_s32(a[r][0], t));
    vst1q_s32(acc + r * kQNeonNr + 4, vaddq_s32(a[r][1], t));
  }
}

const QGemmNeonKernel kDotKernel{"neon dotprod (sdot)", tile_dot};

}  // namespace

const QGemmNeonKernel* qgemm_neon_dot_kernel() { return &kDotKernel; }

}  // namespace wisp::arm
