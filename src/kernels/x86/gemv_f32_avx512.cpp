// The float32 GEMV (gemv_f32_driver.hpp) for AVX512: panels of 32 columns.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/gemv_f32_driver.hpp"

namespace wisp::x86 {

static_assert(kGemvNr == 32);

void gemv_f32_avx512(const GemvF32Args& args, ThreadPool* pool) { gemv_run(args, pool); }

}  // namespace wisp::x86
