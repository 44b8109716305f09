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

namespace wisp::ref {

// Scratch bytes of NhwcConv (group 1) for the kernel of `isa` with `threads` threads.
// The reference kernel sums each output element directly: none.
inline int64_t nhwc_conv_scratch_bytes(const ConvParams& p, Isa isa, int threads) {
  (void)p;
  (void)isa;
  (void)threads;
  return 0;
}

// Scratch bytes of NhwcDepthwiseConv (group == C, M == C * multiplier). Reference: none.
inline int64_t nhwc_depthwise_scratch_bytes(const ConvParams& p, Isa isa, int threads) {
  (void)p;
  (void)isa;
  (void)threads;
  return 0;
}

}  // namespace wisp::ref
