// Winograd F(2x2, 3x3) NhwcConv for AVX-512F: the GEMMs run the NhwcConv microkernel, 8
// tiles x 32 output channels (conv_nhwc_winograd_f32_driver.hpp).
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include "kernels/x86/conv_nhwc_winograd_f32_driver.hpp"

namespace wisp::x86 {

const NhwcWinogradF32Impl* nhwc_winograd_f32_avx512_impl() {
  static_assert(kNhwcNr == 32);
  static const NhwcWinogradF32Impl impl{Isa::kAvx512, kNhwcNr, &pack_winograd_weights<kNhwcNr>,
                                        &nhwc_winograd_conv<8>};
  return &impl;
}

}  // namespace wisp::x86
