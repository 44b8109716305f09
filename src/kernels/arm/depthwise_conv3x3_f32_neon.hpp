// Depthwise 3x3 Conv (float32, NEON): see depthwise_conv3x3_f32_neon.cpp.
#pragma once
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp::arm {

// True for a 2-D Conv with group == in_channels == out_channels, a 3x3 kernel, dilation
// 1 and a horizontal stride of 1 or 2 (any vertical stride, any padding).
bool depthwise_conv3x3_f32_neon_supports(const ref::ConvParams& p);
// Runs such a Conv (inputs X, W [C, 1, 3, 3], optional B), applying the fused epilogue.
void depthwise_conv3x3_f32_neon(const KernelArgs& args);

}  // namespace wisp::arm
