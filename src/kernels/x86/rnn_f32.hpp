// float32 LSTM and GRU on the x86 GEMM (see rnn_f32_driver.hpp for the algorithm). The ISA
// files compile the driver with their own flags; rnn_f32_ops.cpp (no ISA flags) checks that
// the node is one the fast path covers, packs W and R, and registers the kernels.
#pragma once
#include "kernels/kernel_registry.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {

// packed_w: per direction, W^T packed by impl.pack_b as one K = input, N = gates * hidden B.
// packed_r: per direction and gate, that gate's R^T packed as a K = N = hidden B.
struct RnnF32Packed {
  const float* w = nullptr;
  const float* r = nullptr;
  int64_t w_stride = 0, r_stride = 0;  // floats between consecutive packed blocks
};

void rnn_f32_avx2(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed);
void rnn_f32_avx512(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed);

}  // namespace wisp::x86
