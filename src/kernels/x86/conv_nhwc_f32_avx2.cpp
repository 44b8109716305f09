// NhwcConv float32 for AVX2 + FMA: 6 (or 5) positions x 16 output channels per tile, 12 ymm
// accumulators (of 16 registers); per channel step two aligned weight loads, six
// broadcasts, twelve FMAs (the indirect GEMM of conv_nhwc_f32_driver.hpp).
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp): call only when the CPU has them.
#include "kernels/x86/conv_nhwc_f32_driver.hpp"

namespace wisp::x86 {
namespace {

constexpr int kMr = 6;
static_assert(kNhwcNr == 16);

void conv_avx2(const NhwcConvF32Args& a, ThreadPool* pool) { nhwc_conv_pick_mr<kMr, 5>(a, pool); }

}  // namespace

const NhwcConvF32Impl* nhwc_conv_f32_avx2_impl() {
  static const NhwcConvF32Impl impl{Isa::kAvx2, kMr, kNhwcNr, &pack_nhwc_weights<kNhwcNr>, &conv_avx2};
  return &impl;
}

}  // namespace wisp::x86
