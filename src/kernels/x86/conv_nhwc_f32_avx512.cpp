// NhwcConv float32 for AVX-512F: 8 (or 7) positions x 32 output channels per tile, 16 zmm
// accumulators; per channel step two aligned weight loads, eight broadcasts, sixteen FMAs
// (the indirect GEMM of conv_nhwc_f32_driver.hpp).
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/conv_nhwc_f32_driver.hpp"

namespace wisp::x86 {
namespace {

constexpr int kMr = 8;
static_assert(kNhwcNr == 32);

void conv_avx512(const NhwcConvF32Args& a, ThreadPool* pool) { nhwc_conv_pick_mr<kMr, 7>(a, pool); }

}  // namespace

const NhwcConvF32Impl* nhwc_conv_f32_avx512_impl() {
  static const NhwcConvF32Impl impl{Isa::kAvx512, kMr, kNhwcNr, &pack_nhwc_weights<kNhwcNr>, &conv_avx512};
  return &impl;
}

}  // namespace wisp::x86
