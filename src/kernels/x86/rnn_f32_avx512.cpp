// float32 LSTM / GRU for AVX-512F: rnn_f32_driver.hpp on 16-lane vectors (panels of 32,
// the AVX-512 GEMM's Nr). Tails use masked loads and stores.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include <immintrin.h>

#include "kernels/x86/rnn_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {

void rnn_f32_avx512(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed) {
  RnnF32Driver<vm512::Vec>{args, args.p<ref::RnnParams>(), impl, packed}.run();
}

}  // namespace wisp::x86
