// float32 unary functions for AVX-512: unary_f32_driver.hpp on vec_math_avx512.hpp's Vec.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/unary_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void unary_f32_avx512(const UnaryF32Op& op, const float* x, float* y, int64_t n, ThreadPool* pool) {
  UnaryF32Driver<vm512::Vec>::run(op, x, y, n, pool);
}

}  // namespace wisp::x86
