// float32 LSTM / GRU for AVX2 + FMA: rnn_f32_driver.hpp on 8-lane vectors (panels of 16,
// the AVX2 GEMM's Nr). Tails use maskload / maskstore.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include <immintrin.h>

#include "kernels/x86/rnn_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {

void rnn_f32_avx2(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed) {
  RnnF32Driver<vm256::Vec>{args, args.p<ref::RnnParams>(), impl, packed}.run();
}

}  // namespace wisp::x86
