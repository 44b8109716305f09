// Depthwise Conv, float32, AVX-512: 16 output columns per vector (depthwise_conv_f32_driver.hpp).
#include "kernels/x86/depthwise_conv_f32_driver.hpp"
#include "kernels/x86/simd_f32_avx512.hpp"

namespace wisp::x86 {

void depthwise_conv_f32_avx512(const DepthwiseF32Args& a) { depthwise_conv_f32_t<Avx512F32>(a); }

}  // namespace wisp::x86
