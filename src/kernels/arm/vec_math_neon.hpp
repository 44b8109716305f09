// Vectorised float32 math for the NEON kernels: exp and the activations built on it.
//
// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and r = x - n ln 2 (|r| <= ln2 / 2, ln 2
// split in a high and a low part so the subtraction is exact enough); exp(r) is its
// degree-6 Taylor polynomial (truncation error r^7/7! < 1.2e-7 relative, about 1-2 ulp),
// and 2^n is built directly in the exponent bits. x is clamped to [-87.3, 88]: below,
// the result would be denormal (flushed to zero while a Session runs anyway); above 88 it
// saturates at exp(88) ~ 1.7e38 instead of overflowing to inf (the activations below only
// ever need it as "huge"). Sigmoid is 1 / (1 + exp(-x)), which neither overflows nor
// loses the small values of the reference's two-branch form by more than ~1e-38.
#pragma once
#include <arm_neon.h>

namespace wisp::arm {

inline float32x4_t exp_f32x4(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.0f));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));  // ln 2, high part (exact in 9 bits)
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));            // ln 2, low part
  float32x4_t p = vdupq_n_f32(1.0f / 720);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 120), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 24), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f / 6), p, r);
  p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
  const int32x4_t pow2n = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(pow2n));
}

inline float32x4_t sigmoid_f32x4(float32x4_t x) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  return vdivq_f32(one, vaddq_f32(one, exp_f32x4(vnegq_f32(x))));
}

// SiLU (Swish): x * sigmoid(x).
inline float32x4_t silu_f32x4(float32x4_t x) { return vmulq_f32(x, sigmoid_f32x4(x)); }

}  // namespace wisp::arm
