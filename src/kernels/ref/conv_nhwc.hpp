// The com.wisp NHWC convs (NhwcConv, NhwcDepthwiseConv; docs/architecture.md "Internal
// layout"): X [N, H, W, C], W [M, C/group, kH, kW] (the ONNX weights, unchanged), optional
// B [M], optional residual R [N, OH, OW, M] -> Y [N, OH, OW, M] = act(conv + B + R).
// They share ref::ConvParams with Conv (same meaning; only the activations' layout
// differs). Each op's infer requests the scratch these functions return for the ISA the
// session picks kernels for; the kernels of each ISA must fit in it.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/x86/conv_nhwc_winograd_f32.hpp"  // ISA-free sizing

namespace wisp::ref {

// Scratch bytes of NhwcConv (group 1) for the kernel of `isa` with `threads` threads.
// The reference kernel sums each output element directly: none. The x86 float32 kernels
// (kernels/x86/conv_nhwc_f32_ops.cpp) keep their per-unit row tables on the stack and
// cache a constant W's packing in the params; a non-constant W is packed into the scratch
// on every call: panels of NR output channels (16 for AVX2, 32 for AVX-512, as
// NhwcConvF32Impl::packed_size) x C x taps floats, + 16 floats to align to 64 bytes.
// A constant-W 3x3 stride-1 conv with enough channels runs Winograd F(2x2, 3x3) on x86
// (kernels/x86/conv_nhwc_winograd_f32.hpp): per thread a slot of transformed tiles.
inline int64_t nhwc_conv_scratch_bytes(const ConvParams& p, Isa isa, int threads) {
  if ((isa == Isa::kAvx2 || isa == Isa::kAvx512) && x86::nhwc_winograd_applies(p))
    return x86::nhwc_winograd_scratch_bytes(p, threads);
  if (p.w_constant || p.group != 1 || (isa != Isa::kAvx2 && isa != Isa::kAvx512)) return 0;
  const int64_t nr = isa == Isa::kAvx512 ? 32 : 16;
  const int64_t panels = (p.out_channels + nr - 1) / nr;
  return (panels * nr * p.in_channels * p.geo.kernel_size() + 16) * int64_t{sizeof(float)};
}

// Scratch bytes of NhwcDepthwiseConv (group == C, M == C * multiplier). Reference: none.
inline int64_t nhwc_depthwise_scratch_bytes(const ConvParams& p, Isa isa, int threads) {
  (void)p;
  (void)isa;
  (void)threads;
  return 0;
}

}  // namespace wisp::ref
