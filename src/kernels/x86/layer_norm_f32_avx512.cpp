// float32 LayerNormalization for AVX-512: layer_norm_f32_driver.hpp on vec_math_avx512.hpp's Vec.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/eltwise_f32.hpp"
#include "kernels/x86/layer_norm_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void layer_norm_f32_avx512(const float* x, float* y, const float* scale, const float* bias, int64_t rows, int64_t n,
                         float eps, float* mean, float* inv_std, ThreadPool* pool) {
  LayerNormF32<vm512::Vec>::run(x, y, scale, bias, rows, n, eps, mean, inv_std, pool);
}

}  // namespace wisp::x86
