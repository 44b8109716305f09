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

// Two-input float32 arithmetic with NumPy broadcasting, as a plan of rows: the output is
// [dims[0], ..., dims[rank-1]] (adjacent dims merged, size-1 dims dropped) and each input
// walks it with its own strides (0 where it broadcasts). The last dim is the contiguous
// run one call of the vector loop handles: there each input has stride 1 or 0 (a value
// repeated along the run), which covers same shapes, scalars, trailing vectors
// ([M, N] + [N]) and per-channel operands ([N, C, H, W] + [1, C, 1, 1]: runs of H*W).
enum class BinaryF32 : uint8_t {
  kAdd, kSub, kMul, kDiv, kMax, kMin,
  kSquare,  // Pow(a, 2): a * a
  kSqrt,    // Pow(a, 0.5): sqrt(a) with pow's signs (+0 for -0, +inf for -inf)
};
struct BinaryF32Plan {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t a_strides[kMaxRank] = {}, b_strides[kMaxRank] = {};
};
// Builds the plan for out_shape = broadcast(a_shape, b_shape).
BinaryF32Plan plan_binary_f32(const Shape& a, const Shape& b, const Shape& out);
using BinaryF32Fn = void (*)(BinaryF32 op, const BinaryF32Plan& plan, const float* a, const float* b, float* y,
                             ThreadPool* pool);
void binary_f32_avx2(BinaryF32 op, const BinaryF32Plan& plan, const float* a, const float* b, float* y,
                     ThreadPool* pool);
void binary_f32_avx512(BinaryF32 op, const BinaryF32Plan& plan, const float* a, const float* b, float* y,
                       ThreadPool* pool);

// Transpose of a contiguous float32 tensor, as a plan: the output's dims after dropping
// size-1 dims and merging neighbours that stay neighbours in the input, each with its
// stride in the input. Built by plan_transpose_f32 (transpose_f32_ops.cpp).
struct TransposeF32Plan {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
};
TransposeF32Plan plan_transpose_f32(const Shape& in, const int* perm);
// AVX2 8 x 8 register transposes (used by the AVX-512 registration too).
void transpose_f32_avx2(const TransposeF32Plan& plan, const float* x, float* y, ThreadPool* pool);

}  // namespace wisp::x86
