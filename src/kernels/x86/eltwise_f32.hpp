// Entry points of the x86 float32 kernels for the ops around the GEMMs (Softmax,
// LayerNormalization, unary activations and math, binary arithmetic). Each is compiled
// once per ISA from a driver templated on the vector type (<op>_f32_driver.hpp, included
// by <op>_f32_avx2.cpp / <op>_f32_avx512.cpp); the <op>_f32_ops.cpp files (no ISA flags)
// map the ops' params onto these calls, send what they do not cover to the reference
// kernel, and register them.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/softmax.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {

// Below this many elements an op runs on the calling thread: a fork-join costs more than
// it saves.
inline constexpr int64_t kEltwiseParallelMin = 16 * 1024;
inline ThreadPool* eltwise_pool(const KernelArgs& args, int64_t elements) {
  return elements >= kEltwiseParallelMin ? args.pool : nullptr;
}

// Softmax (kind kSoftmax) over p's [outer, axis_dim, inner] view; y may be x.
void softmax_f32_avx2(const float* x, float* y, const ref::SoftmaxParams& p, ThreadPool* pool);
void softmax_f32_avx512(const float* x, float* y, const ref::SoftmaxParams& p, ThreadPool* pool);

// LayerNormalization of `rows` rows of n: scale [n], bias [n] or null; mean / inv_std
// (per row) may be null.
using LayerNormF32Fn = void (*)(const float* x, float* y, const float* scale, const float* bias, int64_t rows,
                                int64_t n, float eps, float* mean, float* inv_std, ThreadPool* pool);
void layer_norm_f32_avx2(const float* x, float* y, const float* scale, const float* bias, int64_t rows, int64_t n,
                         float eps, float* mean, float* inv_std, ThreadPool* pool);
void layer_norm_f32_avx512(const float* x, float* y, const float* scale, const float* bias, int64_t rows, int64_t n,
                           float eps, float* mean, float* inv_std, ThreadPool* pool);

// One-input float32 functions, elementwise (y may be x).
enum class UnaryF32 : uint8_t {
  kRelu, kLeakyRelu, kClip, kSigmoid, kHardSigmoid, kHardSwish, kTanh, kExp, kErf, kGelu, kGeluTanh, kSqrt, kNeg, kAbs,
};
struct UnaryF32Op {
  UnaryF32 fn = UnaryF32::kRelu;
  float alpha = 0, beta = 0;  // LeakyRelu alpha; HardSigmoid/HardSwish alpha x + beta; Clip [alpha, beta]
};
using UnaryF32Fn = void (*)(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool);
void unary_f32_avx2(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool);
void unary_f32_avx512(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool);

}  // namespace wisp::x86
