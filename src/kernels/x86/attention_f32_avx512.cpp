// float32 Attention for AVX512: attention_f32_driver.hpp on vec_math_avx512.hpp's Vec.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/attention_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void attention_f32_avx512(const AttentionF32Args& a, ThreadPool* pool) { attention_f32_run<vm512::Vec>(a, pool); }

}  // namespace wisp::x86
