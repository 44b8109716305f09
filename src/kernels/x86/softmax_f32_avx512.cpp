// float32 Softmax for AVX-512: softmax_f32_driver.hpp on vec_math_avx512.hpp's Vec.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/eltwise_f32.hpp"
#include "kernels/x86/softmax_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void softmax_f32_avx512(const float* x, float* y, const ref::SoftmaxParams& p, ThreadPool* pool) {
  SoftmaxF32<vm512::Vec>::run(x, y, p, pool);
}

}  // namespace wisp::x86
