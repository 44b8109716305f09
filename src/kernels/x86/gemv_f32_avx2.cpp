// The float32 GEMV (gemv_f32_driver.hpp) for AVX2: panels of 16 columns.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include "kernels/x86/gemv_f32_driver.hpp"

namespace wisp::x86 {

static_assert(kGemvNr == 16);

void gemv_f32_avx2(const GemvF32Args& args, ThreadPool* pool) { gemv_run(args, pool); }

}  // namespace wisp::x86
