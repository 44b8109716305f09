// NhwcDepthwiseConv, float32, AVX2 + FMA: 8 channels per vector, 4 output pixels per step
// (depthwise_conv_nhwc_f32_driver.hpp).
#include "kernels/x86/depthwise_conv_nhwc_f32_driver.hpp"

namespace wisp::x86 {

void nhwc_depthwise_conv_f32_avx2(const NhwcDwF32Args& a) { nhwc_depthwise_conv_f32_t<4>(a); }

}  // namespace wisp::x86
