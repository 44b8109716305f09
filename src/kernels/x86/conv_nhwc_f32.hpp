// The float32 NhwcConv (com.wisp, group 1) on x86: an indirect GEMM over NHWC activations.
//
//   Y[n, P, M] = act(sum over taps t, channels c of X[n, row(P, t), c] * W[M, c, t] + B + R)
//
// with P the output positions, row(P, t) the input pixel under tap t at position P (or a
// zero row in the padding). The weights are the packed, constant operand (pack_weights:
// panels of NR output channels, [tap][c][NR] inside a panel) and the activations are read
// in place through a table of row pointers, so nothing is packed per run. A 1x1 stride-1
// conv is the same code with one tap: the plain GEMM Y[P, M] = X[P, C] x W^T[C, M].
// Each ISA file (conv_nhwc_f32_avx2.cpp, conv_nhwc_f32_avx512.cpp) provides one impl,
// compiled with its own ISA flags; conv_nhwc_f32_ops.cpp registers the kernels.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::x86 {

struct NhwcConvF32Args {
  const ref::ConvParams* p = nullptr;
  const float* x = nullptr;         // [N, H, W, C]
  const float* packed_w = nullptr;  // pack_weights layout for the impl's nr, 64-byte aligned
  const float* bias = nullptr;      // [M] or null
  const float* residual = nullptr;  // [N, OH, OW, M] or null; may be the same memory as y
  float* y = nullptr;               // [N, OH, OW, M]
};

// Row pointers one unit of work may hold on its stack: positions per unit x taps. Kernels
// whose taps x mr exceed it (kernels over ~20x20) go to the reference.
inline constexpr int64_t kNhwcConvTablePtrs = 4096;

struct NhwcConvF32Impl {
  Isa isa = Isa::kRef;
  int mr = 0;  // output positions per microkernel tile
  int nr = 0;  // output channels per panel of packed weights
  // Floats pack_weights writes for W [m, c, taps] (channels rounded up to nr).
  int64_t packed_size(int64_t m, int64_t c, int64_t taps) const { return (m + nr - 1) / nr * nr * c * taps; }
  // W [m, c, taps] (the ONNX layout, spatial dims flattened) -> panels of nr channels,
  // each [tap][c][nr], zero past m. `out` must be 64-byte aligned.
  void (*pack_weights)(int64_t m, int64_t c, int64_t taps, const float* w, float* out) = nullptr;
  // All images; parallel over units with `pool` (may be null); results do not depend on it.
  void (*conv)(const NhwcConvF32Args& args, ThreadPool* pool) = nullptr;
};

// The impl for `isa` if this build has it (x86-64 builds have avx2 and avx512), else null.
const NhwcConvF32Impl* nhwc_conv_f32_impl(Isa isa);
const NhwcConvF32Impl* nhwc_conv_f32_avx2_impl();
const NhwcConvF32Impl* nhwc_conv_f32_avx512_impl();

}  // namespace wisp::x86
