// float32 binary arithmetic for AVX2 + FMA: binary_f32_driver.hpp on vec_math_avx2.hpp's Vec.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include "kernels/x86/binary_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {

void binary_f32_avx2(BinaryF32 op, const BinaryF32Plan& plan, const float* a, const float* b, float* y,
                     ThreadPool* pool) {
  BinaryF32Driver<vm256::Vec>::run(op, plan, a, b, y, pool);
}

}  // namespace wisp::x86
