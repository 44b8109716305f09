// The float32 GEMV (M = 1) fast path of the x86 Gemm/MatMul and the 1x1 NhwcConv on a
// single position (the classifier Linear layers and the squeeze-excite convs):
//
//   y[N] = act(alpha * (x[K] . W[K, N]) + beta * bias [+ residual])
//
// W is read in the packed panels the GEMM and NhwcConv already keep (gemm_f32.hpp pack_b,
// conv_nhwc_f32_driver.hpp pack_nhwc_weights with one tap: both are panels of NR = 2
// vectors of columns, K x NR floats each, zero past N), so no second copy of the weights
// exists. Why a separate kernel: the GEMM microkernel with one live row of A has one FMA
// dependency chain per column vector, so it runs at the FMA latency (~22 GB/s of weights)
// instead of the memory bandwidth. Here each panel is summed in four independent
// accumulator pairs (K unrolled by 4), which keeps the loads, not the FMAs, the limit.
//
// Threads take contiguous ranges of panels; each output is summed by one code path in one
// fixed order (accumulator u holds k = u mod 4, then (acc0 + acc1) + (acc2 + acc3)), so
// results are bit-identical for any thread count. The order differs from the reference's
// serial sum by rounding only (within the usual float tolerance).
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
  const float* packed_w = nullptr;  // panels of the ISA's NR columns (K x NR each), 64-byte aligned
  float* y = nullptr;               // [n]
  float alpha = 1;
  const float* bias = nullptr;  // bias[j] at bias[j * bias_stride] (stride 0: one value); null: none
  int64_t bias_stride = 1;
  float beta = 1;
  const float* residual = nullptr;  // [n] or null; may be the same memory as y
  ref::Epilogue epilogue;           // applied last
};

// Panel width the ISA's packed weights use (32 AVX-512, 16 AVX2).
int gemv_f32_nr(Isa isa);
// Runs on `pool` (may be null). `isa` must be kAvx2 or kAvx512, and the CPU must have it.
void gemv_f32(Isa isa, const GemvF32Args& args, ThreadPool* pool);
void gemv_f32_avx2(const GemvF32Args& args, ThreadPool* pool);
void gemv_f32_avx512(const GemvF32Args& args, ThreadPool* pool);

// The GEMV of a one-row GEMM (g.m == 1; B packed by the same ISA's pack_b): x is A's row.
inline GemvF32Args gemv_args_of_gemm(const GemmF32Args& g) {
  GemvF32Args v;
  v.n = g.n;
  v.k = g.k;
  v.x = g.a;
  v.x_stride = g.a_cs;
  v.packed_w = g.packed_b;
  v.y = g.c;
  v.alpha = g.alpha;
  v.bias = g.bias;
  v.bias_stride = g.bias_cs;
  v.beta = g.beta;
  v.epilogue = g.epilogue;
  return v;
}

// True when a group-1 NhwcConv is one GEMV: a 1x1 kernel, one image, one output position,
// no padding (so the position reads input pixel 0).
bool nhwc_conv_is_gemv(const ref::ConvParams& p);
// Runs such a conv (nhwc_conv_is_gemv) on its packed weights (pack_nhwc_weights, whose
// one-tap panels are the GEMV's); bias and residual may be null, residual may alias y.
void nhwc_conv_gemv(Isa isa, const ref::ConvParams& p, const float* x, const float* packed_w, const float* bias,
                    const float* residual, float* y, ThreadPool* pool);

}  // namespace wisp::x86
