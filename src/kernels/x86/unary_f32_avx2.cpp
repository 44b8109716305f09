// float32 unary functions for AVX2 + FMA: unary_f32_driver.hpp on vec_math_avx2.hpp's Vec.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include "kernels/x86/unary_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {

void unary_f32_avx2(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool) {
  UnaryF32Driver<vm256::Vec>::run(op, x, y, n, pool);
}

}  // namespace wisp::x86
