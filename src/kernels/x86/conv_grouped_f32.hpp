// Grouped and depthwise float32 Conv on x86: the entry point conv_f32_ops.cpp calls for
// group > 1, and the per-ISA depthwise kernels behind it.
//
//   depthwise (group == C_in, C_out = multiplier x C_in): depthwise_conv_f32_<isa>.cpp,
//     a direct kernel vectorised along the output row (depthwise_conv_f32_driver.hpp);
//   other groups: one im2col + SIMD GEMM per group (conv_grouped_f32.cpp);
//   anything else (3-D windows, strides above 2): the reference Conv.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp::x86 {

// Conv with p.group > 1 for an x86 ISA (kAvx2 or kAvx512; the caller checked the CPU).
void conv_grouped_f32(Isa isa, const KernelArgs& args);

// One depthwise Conv: x [N, C_in, H, W], w [C_out, 1, kh, kw], bias [C_out] or null,
// y [N, C_out, OH, OW], with C_out a multiple of C_in (output channel m reads input
// channel m / (C_out / C_in)). Threaded over (image, output channel) planes.
struct DepthwiseF32Args {
  const ref::ConvParams* p = nullptr;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
  ThreadPool* pool = nullptr;
};

// Whether the depthwise kernels take this Conv: 2-D (or 1-D) window, stride 1 or 2.
bool depthwise_conv_f32_supported(const ref::ConvParams& p);
void depthwise_conv_f32_avx2(const DepthwiseF32Args& a);
void depthwise_conv_f32_avx512(const DepthwiseF32Args& a);

// ref::apply_epilogue over n floats, compiled without ISA flags: the ISA files call this
// for the activations they do not vectorise (and for the scalar border elements) instead
// of instantiating the inline header function under their own -m flags, where the linker
// could pick that copy for callers on CPUs without the ISA.
void apply_epilogue_f32(float* x, int64_t n, const ref::Epilogue& e);

}  // namespace wisp::x86
