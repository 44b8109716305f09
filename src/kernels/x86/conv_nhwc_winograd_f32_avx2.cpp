// Winograd F(2x2, 3x3) NhwcConv for AVX2 + FMA: the GEMMs run the NhwcConv microkernel, 6
// tiles x 16 output channels (conv_nhwc_winograd_f32_driver.hpp).
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp): call only when the CPU has them.
#include "kernels/x86/conv_nhwc_winograd_f32_driver.hpp"

namespace wisp::x86 {

const NhwcWinogradF32Impl* nhwc_winograd_f32_avx2_impl() {
  static_assert(kNhwcNr == 16);
  static const NhwcWinogradF32Impl impl{Isa::kAvx2, kNhwcNr, &pack_winograd_weights<kNhwcNr>,
                                        &nhwc_winograd_conv<6>};
  return &impl;
}

}  // namespace wisp::x86
