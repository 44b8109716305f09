// float32 Softmax for AVX2 + FMA: softmax_f32_driver.hpp on vec_math_avx2.hpp's Vec.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include "kernels/x86/eltwise_f32.hpp"
#include "kernels/x86/softmax_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {

void softmax_f32_avx2(const float* x, float* y, const ref::SoftmaxParams& p, ThreadPool* pool) {
  SoftmaxF32<vm256::Vec>::run(x, y, p, pool);
}

}  // namespace wisp::x86
