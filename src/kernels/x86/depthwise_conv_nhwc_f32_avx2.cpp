// NhwcDepthwiseConv, float32, AVX2 + FMA: 8 channels per vector (depthwise_conv_nhwc_f32_driver.hpp).
// Output pixels per step: 4 for 3x3 (9 filter + 4 accumulator registers of 16), 8 for the
// rest (the filter does not fit in registers anyway; 8 pixels share each filter load).
// A/B, load ~5: 5x5 layers 183-211 -> 141-147 us and 268-272 -> 191 us with 8; 3x3
// layers equal or slower with 8.
#include "kernels/x86/depthwise_conv_nhwc_f32_driver.hpp"

namespace wisp::x86 {

void nhwc_depthwise_conv_f32_avx2(const NhwcDwF32Args& a) { nhwc_depthwise_conv_f32_t<4, 8>(a); }

}  // namespace wisp::x86
