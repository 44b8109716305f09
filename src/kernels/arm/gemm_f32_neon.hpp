// The float32 GEMM behind the NEON MatMul, Gemm and Conv kernels (aarch64 only):
//
//   C[M, N] = act(alpha * (A x B) + beta * bias)      (bias broadcast through strides)
//
// A is read through strides (A(i, k) = a[i * a_rs + k * a_cs]), so a transposed A or the
// Conv weights need no copy; the driver copies each 8-row x KC sliver of A into a small
// stack buffer (k-major, 8 floats per k) so the microkernel reads it with two vector loads.
// B must first be packed (pack_b) into panels of kNeonNr columns: panel p holds
// B(k, p*kNeonNr + j) at packed[p * K * kNeonNr + k * kNeonNr + j], zero-padded past N.
// Constant B (weights) is packed once per Session and cached in the op's params.
// The algorithm (blocking, microkernel, threading) is described in gemm_f32_neon.cpp.
#pragma once
#include <cstdint>
#include <memory>

#include "kernels/packed_weights.hpp"
#include "kernels/ref/epilogue.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::arm {

inline constexpr int64_t kNeonMr = 8;   // rows of C per microkernel tile
inline constexpr int64_t kNeonNr = 12;  // columns of C per tile = panel width of packed B

struct GemmF32NeonArgs {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t a_rs = 0, a_cs = 1;
  const float* packed_b = nullptr;  // pack_b_f32_neon layout
  float* c = nullptr;
  int64_t ldc = 0;
  float alpha = 1;
  const float* bias = nullptr;  // null: no bias term
  int64_t bias_rs = 0, bias_cs = 0;
  float beta = 1;
  ref::Epilogue epilogue;  // applied after alpha and the bias
};

// Floats pack_b_f32_neon writes for a K x N matrix.
inline int64_t packed_b_size_f32_neon(int64_t k, int64_t n) { return (n + kNeonNr - 1) / kNeonNr * kNeonNr * k; }
// B(k, j) = b[k * b_rs + j * b_cs]; `out` must hold packed_b_size_f32_neon(k, n) floats.
void pack_b_f32_neon(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* out);

// Threaded over blocks of C with `pool` (may be null); results do not depend on it.
void gemm_f32_neon(const GemmF32NeonArgs& args, ThreadPool* pool);

// B packed: cached in `cache` (once per Session) when `constant`, else packed into a
// per-thread buffer that grows to the largest B seen and is reused (allocates only when
// a larger B than ever before arrives, i.e. on the first run).
const float* packed_b_f32_neon(bool constant, std::shared_ptr<PackedWeights>& cache, int64_t k, int64_t n,
                               const float* b, int64_t b_rs, int64_t b_cs);

// The fused epilogue over n contiguous floats, vectorised where NEON has the operation
// (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish); Tanh uses the reference.
// (activation_f32_neon.cpp)
void apply_epilogue_f32_neon(float* x, int64_t n, const ref::Epilogue& e);

// SiLU / Swish, y = x * sigmoid(x), over n floats (threaded in contiguous chunks). ONNX has
// no SiLU op: a Mul(x, Sigmoid(x)) fusion would call this; exposed and tested for that.
void silu_f32_neon(const float* in, float* out, int64_t n, ThreadPool* pool);

}  // namespace wisp::arm
