// NhwcDepthwiseConv (float32, channel multiplier 1) on x86: the shared arguments of the
// per-ISA kernels (depthwise_conv_nhwc_f32_avx2.cpp / _avx512.cpp, one template in
// depthwise_conv_nhwc_f32_driver.hpp) and the weight repacking the registered kernel
// (depthwise_conv_nhwc_f32_ops.cpp, compiled without ISA flags) does once per Conv.
#pragma once
#include <cstdint>

#include "kernels/ref/conv.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {

// Channels of the packed filter rounded up to this (the AVX-512 vector), so both ISAs load
// whole filter vectors, the last one zero-padded, without masks.
inline constexpr int64_t kNhwcDwChannelAlign = 16;

inline int64_t nhwc_dw_padded_channels(int64_t c) {
  return (c + kNhwcDwChannelAlign - 1) / kNhwcDwChannelAlign * kNhwcDwChannelAlign;
}

// x [N, H, W, C], w packed [kH][kW][cp] (tap-major, channels innermost, lanes past C zero),
// bias [C] or null, residual [N, OH, OW, C] or null, y [N, OH, OW, C].
struct NhwcDwF32Args {
  const ref::ConvParams* p = nullptr;
  const float* x = nullptr;
  const float* w = nullptr;
  int64_t cp = 0;  // nhwc_dw_padded_channels(C)
  const float* bias = nullptr;
  const float* residual = nullptr;
  float* y = nullptr;
  ThreadPool* pool = nullptr;
};

void nhwc_depthwise_conv_f32_avx2(const NhwcDwF32Args& a);
void nhwc_depthwise_conv_f32_avx512(const NhwcDwF32Args& a);

}  // namespace wisp::x86
