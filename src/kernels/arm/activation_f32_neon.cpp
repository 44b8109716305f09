// Activations on float32 with NEON: Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish and
// Clip as ops, and the same formulas as the fused Conv/Gemm epilogue.
//
// Comparisons and selects (not vmaxq/vminq) mirror the reference's `x > 0 ? x : 0` and
// `v < lo ? lo : v` exactly, including NaN and -0, so these are bit-identical with the
// reference; products and sums are rounded separately (no FMA), as the reference does.
// Sigmoid uses the polynomial exp of vec_math_neon.hpp (a few ulp from std::exp).
// Large tensors are split over the session's threads in contiguous chunks.
#include <arm_neon.h>

#include <cstdint>
#include <limits>

#include "kernels/arm/gemm_f32_neon.hpp"
#include "kernels/arm/vec_math_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/activation.hpp"
#include "kernels/ref/epilogue.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

constexpr int64_t kChunk = 16384;  // elements per parallel task: big enough to pay for a wake-up

// Applies vec (4 lanes) and scalar (the tail) over n elements, in parallel chunks.
template <class Vec, class Scalar>
void map_f32(const float* in, float* out, int64_t n, ThreadPool* pool, Vec vec, Scalar scalar) {
  const int64_t tasks = (n + kChunk - 1) / kChunk;
  parallel_for(pool, tasks, [&](int64_t t0, int64_t t1) {
    const int64_t end = std::min(n, t1 * kChunk);
    int64_t i = t0 * kChunk;
    for (; i + 4 <= end; i += 4) vst1q_f32(out + i, vec(vld1q_f32(in + i)));
    for (; i < end; ++i) out[i] = scalar(in[i]);
  });
}

float32x4_t select_gt_zero(float32x4_t x) {  // x > 0 ? x : 0 (NaN -> 0 like the reference)
  return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), vcgtq_f32(x, vdupq_n_f32(0.0f))));
}

float32x4_t clip_f32x4(float32x4_t x, float32x4_t lo, float32x4_t hi) {
  x = vbslq_f32(vcltq_f32(x, lo), lo, x);
  return vbslq_f32(vcgtq_f32(x, hi), hi, x);
}

// std::max(0, std::min(1, alpha * x + beta)) with std::min/max's exact comparisons.
float32x4_t hard_sigmoid_f32x4(float32x4_t x, float32x4_t alpha, float32x4_t beta) {
  const float32x4_t v = vaddq_f32(vmulq_f32(alpha, x), beta), one = vdupq_n_f32(1.0f), zero = vdupq_n_f32(0.0f);
  const float32x4_t m = vbslq_f32(vcltq_f32(v, one), v, one);  // std::min(1, v) is (v < 1) ? v : 1 (NaN -> 1)
  return vbslq_f32(vcltq_f32(zero, m), m, zero);                // std::max(0, m) is (0 < m) ? m : 0
}

// One activation over n floats; false if `fn` has no NEON form here.
bool activation_f32_neon(ref::ActFn fn, float alpha, float beta, const float* in, float* out, int64_t n,
                         ThreadPool* pool) {
  const float32x4_t va = vdupq_n_f32(alpha), vb = vdupq_n_f32(beta);
  switch (fn) {
    case ref::ActFn::kRelu:
      map_f32(in, out, n, pool, select_gt_zero, [](float x) { return x > 0.0f ? x : 0.0f; });
      return true;
    case ref::ActFn::kLeakyRelu:
      map_f32(
          in, out, n, pool, [&](float32x4_t x) { return vbslq_f32(vcltq_f32(x, vdupq_n_f32(0.0f)), vmulq_f32(va, x), x); },
          [&](float x) { return x < 0.0f ? alpha * x : x; });
      return true;
    case ref::ActFn::kSigmoid:
      map_f32(in, out, n, pool, sigmoid_f32x4, [](float x) { return vgetq_lane_f32(sigmoid_f32x4(vdupq_n_f32(x)), 0); });
      return true;
    case ref::ActFn::kHardSigmoid:
      map_f32(
          in, out, n, pool, [&](float32x4_t x) { return hard_sigmoid_f32x4(x, va, vb); },
          [&](float x) { return vgetq_lane_f32(hard_sigmoid_f32x4(vdupq_n_f32(x), va, vb), 0); });
      return true;
    case ref::ActFn::kHardSwish:
      map_f32(
          in, out, n, pool, [&](float32x4_t x) { return vmulq_f32(x, hard_sigmoid_f32x4(x, va, vb)); },
          [&](float x) { return x * vgetq_lane_f32(hard_sigmoid_f32x4(vdupq_n_f32(x), va, vb), 0); });
      return true;
    default:
      return false;
  }
}

void activation_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::ActivationParams>();
  const TensorView& x = *args.in[0];
  if (!activation_f32_neon(p.fn, p.alpha, p.beta, x.as<const float>(), args.out[0]->as<float>(), x.numel(), args.pool))
    ref::activation(x, *args.out[0], p);
}

void clip_kernel(const KernelArgs& args) {
  const TensorView& x = *args.in[0];
  // Bounds of another type (legacy float bounds on f32 are f32 already) go to the reference.
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (args.has_in(i) && (args.in[i]->dtype != DType::kF32 || args.in[i]->numel() != 1)) {
      return ref::clip(x, args.has_in(1) ? args.in[1] : nullptr, args.has_in(2) ? args.in[2] : nullptr, *args.out[0]);
    }
  }
  const float lo = args.has_in(1) ? args.in[1]->as<const float>()[0] : std::numeric_limits<float>::lowest();
  const float hi = args.has_in(2) ? args.in[2]->as<const float>()[0] : std::numeric_limits<float>::max();
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  map_f32(
      x.as<const float>(), args.out[0]->as<float>(), x.numel(), args.pool,
      [&](float32x4_t v) { return clip_f32x4(v, vlo, vhi); },
      [&](float v) {
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
      });
}

}  // namespace

void apply_epilogue_f32_neon(float* x, int64_t n, const ref::Epilogue& e) {
  using ref::EpilogueAct;
  switch (e.act) {
    case EpilogueAct::kNone: return;
    case EpilogueAct::kRelu: activation_f32_neon(ref::ActFn::kRelu, 0, 0, x, x, n, nullptr); return;
    case EpilogueAct::kLeakyRelu: activation_f32_neon(ref::ActFn::kLeakyRelu, e.alpha, 0, x, x, n, nullptr); return;
    case EpilogueAct::kSigmoid: activation_f32_neon(ref::ActFn::kSigmoid, 0, 0, x, x, n, nullptr); return;
    case EpilogueAct::kHardSigmoid:
      activation_f32_neon(ref::ActFn::kHardSigmoid, e.alpha, e.beta, x, x, n, nullptr);
      return;
    case EpilogueAct::kHardSwish: activation_f32_neon(ref::ActFn::kHardSwish, e.alpha, e.beta, x, x, n, nullptr); return;
    case EpilogueAct::kClip: {
      const float32x4_t lo = vdupq_n_f32(e.alpha), hi = vdupq_n_f32(e.beta);
      map_f32(x, x, n, nullptr, [&](float32x4_t v) { return clip_f32x4(v, lo, hi); },
              [&](float v) { return ref::apply_epilogue(v, e); });
      return;
    }
    default: ref::apply_epilogue(x, n, e); return;
  }
}

void silu_f32_neon(const float* in, float* out, int64_t n, ThreadPool* pool) {
  map_f32(in, out, n, pool, silu_f32x4, [](float x) { return vgetq_lane_f32(silu_f32x4(vdupq_n_f32(x)), 0); });
}

WISP_REGISTER_KERNEL("Relu", DType::kF32, Isa::kNeon, activation_kernel);
WISP_REGISTER_KERNEL("LeakyRelu", DType::kF32, Isa::kNeon, activation_kernel);
WISP_REGISTER_KERNEL("Sigmoid", DType::kF32, Isa::kNeon, activation_kernel);
WISP_REGISTER_KERNEL("HardSigmoid", DType::kF32, Isa::kNeon, activation_kernel);
WISP_REGISTER_KERNEL("HardSwish", DType::kF32, Isa::kNeon, activation_kernel);
WISP_REGISTER_KERNEL("Clip", DType::kF32, Isa::kNeon, clip_kernel);

}  // namespace wisp::arm
