// Depthwise int8 conv, NEON: 16 output columns per step (depthwise_conv_q8_driver.hpp
// does the padding, strides and zero point). Per tap: one 16-byte load, two widenings
// to int16 and four smlal by-element into four int32x4 accumulators (|x * w| <= 255 * 128,
// exact). No dot-product form: sdot sums four adjacent bytes, and in NCHW adjacent bytes
// are adjacent outputs, not adjacent taps.
//
// Requantization is requant.hpp's formula with NEON's own rounding shift: smull gives the
// 64-bit products, srshl by -n is exactly (p + 2^(n-1)) >> n (computed without overflow),
// sqxtn saturates to int32 (a saturated value still clamps to qmin/qmax, because the
// zero point is added with saturation too), then clamp and narrow.
#include <arm_neon.h>

#include <type_traits>

#include "kernels/depthwise_conv_q8_driver.hpp"

namespace wisp::kernels_q8 {
namespace {

inline int16x8x2_t load16(const uint8_t* p) {
  const uint8x16_t v = vld1q_u8(p);
  return {vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(v))), vreinterpretq_s16_u16(vmovl_high_u8(v))};
}
inline int16x8x2_t load16(const int8_t* p) {
  const int8x16_t v = vld1q_s8(p);
  return {vmovl_s8(vget_low_s8(v)), vmovl_high_s8(v)};
}

inline int32x4_t requant4(int32x4_t acc, int32_t m, int64x2_t neg_shift, int32x4_t zp, int32x4_t lo, int32x4_t hi) {
  const int64x2_t p0 = vrshlq_s64(vmull_n_s32(vget_low_s32(acc), m), neg_shift);
  const int64x2_t p1 = vrshlq_s64(vmull_high_n_s32(acc, m), neg_shift);
  const int32x4_t r = vqaddq_s32(vcombine_s32(vqmovn_s64(p0), vqmovn_s64(p1)), zp);
  return vminq_s32(vmaxq_s32(r, lo), hi);
}

struct NeonQ8 {
  static constexpr int kLanes = 16;

  // Stride-2 rows into their two phases: ld2 splits 32 bytes into 16 even + 16 odd.
  template <class T>
  static void deinterleave2(const T* src, int64_t n, T* a, T* b) {
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      const uint8x16x2_t v = vld2q_u8(s + i);
      vst1q_u8(reinterpret_cast<uint8_t*>(a + i / 2), v.val[0]);
      vst1q_u8(reinterpret_cast<uint8_t*>(b + i / 2), v.val[1]);
    }
    deinterleave2_tail(src, i, n, a, b);
  }

  template <class T>
  static void accumulate_row(const T* base, const DwTaps& t, int64_t n, int32_t* acc) {
    for (int64_t j = 0; j < n; j += 16) {
      int32x4_t a0 = vdupq_n_s32(t.init), a1 = a0, a2 = a0, a3 = a0;
      for (int i = 0; i < t.real; ++i) {
        const int16x8x2_t x = load16(base + t.off[i] + j);
        const int16_t w = t.w[i];
        a0 = vmlal_n_s16(a0, vget_low_s16(x.val[0]), w);
        a1 = vmlal_high_n_s16(a1, x.val[0], w);
        a2 = vmlal_n_s16(a2, vget_low_s16(x.val[1]), w);
        a3 = vmlal_high_n_s16(a3, x.val[1], w);
      }
      vst1q_s32(acc + j, a0);
      vst1q_s32(acc + j + 4, a1);
      vst1q_s32(acc + j + 8, a2);
      vst1q_s32(acc + j + 12, a3);
    }
  }

  template <class T>
  static void requantize_row(const int32_t* acc, int64_t n, quant::FixedPointMultiplier fm,
                             const ref::DepthwiseQ8Params& p, T* y) {
    const int64x2_t neg_shift = vdupq_n_s64(-fm.shift);
    const int32x4_t zp = vdupq_n_s32(p.y_zero_point), lo = vdupq_n_s32(p.qmin), hi = vdupq_n_s32(p.qmax);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
      int16x8_t h[2];
      for (int k = 0; k < 2; ++k) {
        const int32x4_t q0 = requant4(vld1q_s32(acc + j + 8 * k), fm.multiplier, neg_shift, zp, lo, hi);
        const int32x4_t q1 = requant4(vld1q_s32(acc + j + 8 * k + 4), fm.multiplier, neg_shift, zp, lo, hi);
        h[k] = vcombine_s16(vmovn_s32(q0), vmovn_s32(q1));  // in range: plain narrowing
      }
      if constexpr (std::is_signed_v<T>) vst1q_s8(y + j, vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1])));
      else vst1q_u8(y + j, vcombine_u8(vqmovun_s16(h[0]), vqmovun_s16(h[1])));
    }
    requantize_tail<T>(acc, j, n, fm, p, y);
  }
};

struct NeonQ8Run {
  template <class TX, class TY> static void run(const ref::DepthwiseQ8Args& a) {
    depthwise_conv_q8_simd<NeonQ8, TX, TY>(a);
  }
};

void depthwise_conv_q8_neon(const ref::DepthwiseQ8Args& a) {
  ref::depthwise_conv_q8_dispatch<NeonQ8Run>(a);
}

const bool registered = (ref::register_depthwise_conv_q8(Isa::kNeon, depthwise_conv_q8_neon), true);

}  // namespace
}  // namespace wisp::kernels_q8
