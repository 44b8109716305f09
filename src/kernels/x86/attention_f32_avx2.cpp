// float32 Attention for AVX2: attention_f32_driver.hpp on vec_math_avx2.hpp's Vec.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include "kernels/x86/attention_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {

void attention_f32_avx2(const AttentionF32Args& a, ThreadPool* pool) { attention_f32_run<vm256::Vec>(a, pool); }

}  // namespace wisp::x86
