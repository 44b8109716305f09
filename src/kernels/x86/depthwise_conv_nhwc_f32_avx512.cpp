// NhwcDepthwiseConv, float32, AVX-512: 16 channels per vector, 8 output pixels per step
// (32 registers hold a 3x3 filter and 8 accumulators; 8 measured faster than 4 on most
// mobilenet_v2 / efficientnet layers; depthwise_conv_nhwc_f32_driver.hpp).
#include "kernels/x86/depthwise_conv_nhwc_f32_driver.hpp"

namespace wisp::x86 {

void nhwc_depthwise_conv_f32_avx512(const NhwcDwF32Args& a) { nhwc_depthwise_conv_f32_t<8, 8>(a); }

}  // namespace wisp::x86
