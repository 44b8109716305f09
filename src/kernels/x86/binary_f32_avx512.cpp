// float32 binary arithmetic for AVX-512: binary_f32_driver.hpp on vec_math_avx512.hpp's Vec.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/binary_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void binary_f32_avx512(BinaryF32 op, const BinaryF32Plan& plan, const float* a, const float* b, float* y,
                       ThreadPool* pool) {
  BinaryF32Driver<vm512::Vec>::run(op, plan, a, b, y, pool);
}

}  // namespace wisp::x86
