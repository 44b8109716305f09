// The float32 GEMM shared by the x86 MatMul and Gemm kernels:
//
//   C[M, N] = alpha * (A x B) + beta * bias      (bias broadcast through strides; optional)
//
// A is read in place through strides (A(i, k) = a[i * a_rs + k * a_cs]), so a transposed A
// costs nothing. B must first be packed (pack_b) into panels of `nr` columns: panel p holds
// B(k, p*nr + j) at packed[p * K * nr + k * nr + j], zero-padded past N, so the microkernel
// reads it with aligned vector loads. A constant B (weights) is packed once and cached; see
// gemm_f32_ops.cpp. Each ISA file (gemm_f32_avx2.cpp, gemm_f32_avx512.cpp) provides one
// GemmF32Impl, compiled with its own ISA flags; callers check the CPU before using it.
#pragma once
#include <cstdint>

#include <memory>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/epilogue.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::x86 {

struct GemmF32Args {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t a_rs = 0, a_cs = 1;
  const float* packed_b = nullptr;  // pack_b layout for the impl's nr
  float* c = nullptr;
  int64_t ldc = 0;
  float alpha = 1;
  const float* bias = nullptr;  // null: no bias term
  int64_t bias_rs = 0, bias_cs = 0;
  float beta = 1;
  ref::Epilogue epilogue;  // fused activation, applied after alpha and the bias
};

// One group-1 float32 Conv over all images (gemm_f32_conv_driver.hpp).
struct ConvF32Args {
  const ref::ConvParams* p = nullptr;
  const float* x = nullptr;
  const float* packed_w = nullptr;  // W [M, K] packed by pack_a
  const float* bias = nullptr;      // [M] or null
  const float* residual = nullptr;  // Y's shape, or null
  float* y = nullptr;
  float* scratch = nullptr;  // slots x slot_floats, 64-byte aligned, slot_floats a multiple of 16
  int64_t slot_floats = 0;
  int slots = 0;             // at most this many threads work
};

struct GemmF32Impl {
  Isa isa = Isa::kRef;
  int nr = 0;  // panel width of packed B
  int mr = 0;  // panel height of packed A (Conv weights)
  // Floats pack_b writes for a K x N matrix (panels rounded up to nr columns).
  int64_t packed_size(int64_t k, int64_t n) const { return (n + nr - 1) / nr * nr * k; }
  // `out` must be 64-byte aligned.
  void (*pack_b)(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* out) = nullptr;
  // Parallel over blocks of C with `pool` (may be null); results do not depend on it.
  void (*gemm)(const GemmF32Args& args, ThreadPool* pool) = nullptr;
  int64_t packed_a_size(int64_t m, int64_t k) const { return (m + mr - 1) / mr * mr * k; }
  // Conv weights W [M, K] (row stride a_rs) in the layout conv reads (pack_conv_weights).
  void (*pack_a)(int64_t m, int64_t k, const float* a, int64_t a_rs, float* out) = nullptr;
  void (*conv)(const ConvF32Args& args, ThreadPool* pool) = nullptr;
};

// The impl for `isa` if this build has it (x86-64 builds have avx2 and avx512), else null.
// It does not check the CPU: use best_isa() for that.
const GemmF32Impl* gemm_f32_impl(Isa isa);

// B packed for one GEMM: cached in `cache` (packed once per Session) when B is a constant,
// else packed into a per-thread buffer that grows to the largest B seen and is reused.
const float* packed_b(const GemmF32Impl& impl, bool constant, std::shared_ptr<PackedWeights>& cache, int64_t k,
                      int64_t n, const float* b, int64_t b_rs, int64_t b_cs);
const GemmF32Impl* gemm_f32_avx2_impl();
const GemmF32Impl* gemm_f32_avx512_impl();

}  // namespace wisp::x86
