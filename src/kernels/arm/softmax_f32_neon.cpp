// Softmax and LogSoftmax (float32) along the last axis with NEON; other axes (inner > 1)
// and Hardmax go to the reference kernel.
//
// Per row of n elements: the max (vmaxq, 4 lanes then across), then e = exp(x - max)
// with the polynomial exp of vec_math_neon.hpp, written to the output while summing in 4
// float lanes (pairwise in the end), then y = e * (1 / sum). LogSoftmax writes
// (x - max) - log(sum) instead. The reference computes in double; the difference is a
// few float ulp of exp plus the float summation (~1e-6 relative for rows of thousands).
// NaN in a row makes the whole row NaN, as in the reference. In-place safe: a row is
// fully read (max) before it is written, and the second pass reads only what it wrote.
// Rows are split over the session's threads in contiguous ranges.
#include <arm_neon.h>

#include <cmath>
#include <limits>

#include "kernels/arm/vec_math_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/softmax.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

float row_max(const float* x, int64_t n) {
  float32x4_t m = vdupq_n_f32(-std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) m = vmaxq_f32(m, vld1q_f32(x + i));
  float r = vmaxvq_f32(m);
  for (; i < n; ++i) r = std::isnan(x[i]) || x[i] > r ? x[i] : r;  // vmaxq propagates NaN; so does this
  return r;
}

void softmax_row(const float* x, float* y, int64_t n, bool log_softmax) {
  const float mx = row_max(x, n);
  const float32x4_t vmx = vdupq_n_f32(mx);
  float32x4_t vsum = vdupq_n_f32(0.0f);
  int64_t i = 0;
  if (log_softmax) {
    for (; i + 4 <= n; i += 4) vsum = vaddq_f32(vsum, exp_f32x4(vsubq_f32(vld1q_f32(x + i), vmx)));
  } else {
    for (; i + 4 <= n; i += 4) {
      const float32x4_t e = exp_f32x4(vsubq_f32(vld1q_f32(x + i), vmx));
      vst1q_f32(y + i, e);
      vsum = vaddq_f32(vsum, e);
    }
  }
  float sum = vaddvq_f32(vsum);
  for (; i < n; ++i) {
    const float e = vgetq_lane_f32(exp_f32x4(vdupq_n_f32(x[i] - mx)), 0);
    if (!log_softmax) y[i] = e;
    sum += e;
  }
  if (log_softmax) {
    // (x - max) first: exact or nearly so; folding max into log(sum) would cancel badly
    // for the elements near the max.
    const float log_sum = static_cast<float>(std::log(static_cast<double>(sum)));
    const float32x4_t vlog = vdupq_n_f32(log_sum);
    for (i = 0; i + 4 <= n; i += 4) vst1q_f32(y + i, vsubq_f32(vsubq_f32(vld1q_f32(x + i), vmx), vlog));
    for (; i < n; ++i) y[i] = (x[i] - mx) - log_sum;
    return;
  }
  const float32x4_t inv = vdupq_n_f32(1.0f / sum);
  for (i = 0; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vld1q_f32(y + i), inv));
  for (; i < n; ++i) y[i] *= vgetq_lane_f32(inv, 0);
}

void softmax_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::SoftmaxParams>();
  if (p.inner != 1 || p.kind == ref::SoftmaxKind::kHardmax) return ref::softmax(*args.in[0], *args.out[0], p);
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  const int64_t n = p.axis_dim;
  const bool log_softmax = p.kind == ref::SoftmaxKind::kLogSoftmax;
  parallel_for(args.pool, p.outer, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) softmax_row(x + r * n, y + r * n, n, log_softmax);
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Softmax", DType::kF32, Isa::kNeon, softmax_kernel);
WISP_REGISTER_KERNEL("LogSoftmax", DType::kF32, Isa::kNeon, softmax_kernel);

}  // namespace wisp::arm
