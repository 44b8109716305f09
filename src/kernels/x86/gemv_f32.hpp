// The float32 GEMV (M = 1) fast path of the x86 Gemm/MatMul and the 1x1 NhwcConv on a
// single position (the classifier Linear layers and the squeeze-excite convs):
//
//   y[N] = act(x[K] . W[K, N] + bias + residual)     (the GEMM adds alpha / C itself)
//
// W is read in the packed panels the GEMM and NhwcConv already keep (gemm_f32.hpp pack_b,
// conv_nhwc_f32_driver.hpp pack_nhwc_weights with one tap: both are panels of NR = 2
// vectors of columns, K x NR floats each, zero past N), so no second copy of the weights
// exists. Why a separate kernel: the GEMM microkernel with one live row of A has one FMA
// dependency chain per column vector, so it runs at the FMA latency (~22 GB/s of weights)
// instead of the load bandwidth. Here four panels are walked at once: 4 x 2 independent
// chains. Each column is still summed exactly as the GEMM / NhwcConv tile kernels sum it
// (k in order within K blocks of `kc` steps, each block from zero and then added onto the
// running total; bias and residual added to the first block), so a row gets the same bits
// whether it is alone (batch 1) or one of many rows (batch 45): tools that compare runs
// across batch sizes (verify/layer_compare) rely on that. The K unroll of the first
// version of this kernel was faster per chain count but changed those bits.
//
// Threads take contiguous ranges of panels; each output is computed by one code path, so
// results are bit-identical for any thread count.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/epilogue.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::x86 {

struct GemvF32Args {
  int64_t n = 0, k = 0;
  const float* x = nullptr;  // x[k] at x[k * x_stride]
  int64_t x_stride = 1;
  const float* packed_w = nullptr;  // panels of the ISA's NR columns (K x NR each)
  int64_t kc = 256;                 // K steps per block (the tile kernel's K blocking)
  float* y = nullptr;               // [n]
  const float* bias = nullptr;      // [n] or null, added with the first K block
  const float* residual = nullptr;  // [n] or null, likewise; may be the same memory as y
  ref::Epilogue epilogue;           // applied last
};

// Panel width the ISA's packed weights use (32 AVX-512, 16 AVX2).
int gemv_f32_nr(Isa isa);
// Runs on `pool` (may be null). `isa` must be kAvx2 or kAvx512, and the CPU must have it.
void gemv_f32(Isa isa, const GemvF32Args& args, ThreadPool* pool);
void gemv_f32_avx2(const GemvF32Args& args, ThreadPool* pool);
void gemv_f32_avx512(const GemvF32Args& args, ThreadPool* pool);

// The raw sums of a one-row GEMM (g.m == 1; B packed by the same ISA's pack_b; kc =
// gemm_f32_driver.hpp's kKc): the caller then applies its alpha, bias and activation.
inline GemvF32Args gemv_args_of_gemm(const GemmF32Args& g, int64_t kc) {
  GemvF32Args v;
  v.n = g.n;
  v.k = g.k;
  v.x = g.a;
  v.x_stride = g.a_cs;
  v.packed_w = g.packed_b;
  v.kc = kc;
  v.y = g.c;
  return v;
}

// True when a group-1 NhwcConv is one GEMV: a 1x1 kernel, one image, one output position,
// no padding (so the position reads input pixel 0).
bool nhwc_conv_is_gemv(const ref::ConvParams& p);
// Runs such a conv (nhwc_conv_is_gemv) on its packed weights (pack_nhwc_weights, whose
// one-tap panels are the GEMV's), with the NhwcConv driver's K blocking (one block below
// 256 channels, else equal slices of at most 256); bias and residual may be null,
// residual may alias y.
void nhwc_conv_gemv(Isa isa, const ref::ConvParams& p, const float* x, const float* packed_w, const float* bias,
                    const float* residual, float* y, ThreadPool* pool);

}  // namespace wisp::x86
