// Winograd F(2x2, 3x3) for the float32 NhwcConv (com.wisp, group 1) on x86: 3x3, stride 1,
// dilation 1, constant W, C and M at least kNhwcWinogradMinChannels. Each 2x2 block of
// output positions (a "tile") is computed from its 4x4 input patch d as
//
//   Y_tile = A^T [ (G g G^T) .* (B^T d B) ] A      (.* per channel pair, summed over C)
//
// i.e. 16 multiplies per tile and channel pair instead of 36 (2.25x fewer MACs). The sum
// over C of the element-wise products is 16 independent GEMMs [tiles x C] x [C x M], one
// per position xi of the 4x4 transformed tile. conv_nhwc_winograd_f32_driver.hpp has the
// algorithm; this header is ISA-free so that ref::nhwc_conv_scratch_bytes can size the
// scratch with the same arithmetic the kernel uses.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::x86 {

struct NhwcConvF32Args;

// Fewer input or output channels: the transforms (per tile: 16 x C and 16 x M adds) grow
// against the GEMMs' 16 x C x M MACs. At 32 Winograd still wins (32 -> 32 @ 56: 0.37 vs
// 0.62 ms, AVX-512, 1 thread; docs/benchmarks.md); below 32 it was not measured.
inline constexpr int64_t kNhwcWinogradMinChannels = 32;
// V (16 x tiles x C) and the GEMM results (16 x tiles x M) of one unit stay in L2 (1 MB
// per core on the EPYC we measure on; half of it, the rest holds the weights streaming by).
inline constexpr int64_t kNhwcWinogradL2Floats = 512 * 1024 / 4;

// Fewer tiles (all images) than this: the 16 transformed weight matrices (16 x C x M
// floats, 1.8x the direct conv's) are streamed from L3 for too little work. resnet18's
// 512@7 (16 tiles, 16 MB of U): 2.38 ms Winograd vs 2.36 direct (AVX-512, 1 thread, CPU
// time); 256@14 (49 tiles): 1.14 vs 2.19.
inline constexpr int64_t kNhwcWinogradMinTiles = 32;

inline int64_t nhwc_winograd_tiles(const ref::ConvParams& p) {
  return p.batch * ((p.geo.out[1] + 1) / 2) * ((p.geo.out[2] + 1) / 2);
}

inline bool nhwc_winograd_applies(const ref::ConvParams& p) {
  const ref::WindowGeometry& g = p.geo;
  return p.group == 1 && p.w_constant && g.kernel[0] == 1 && g.kernel[1] == 3 && g.kernel[2] == 3 &&
         g.stride[1] == 1 && g.stride[2] == 1 && g.dilation[1] == 1 && g.dilation[2] == 1 && g.in[0] == 1 &&
         p.in_channels >= kNhwcWinogradMinChannels && p.out_channels >= kNhwcWinogradMinChannels &&
         g.out_size() > 0 && p.batch > 0 && nhwc_winograd_tiles(p) >= kNhwcWinogradMinTiles;
}

// Tiles per unit: what fits the L2 budget, a multiple of 24 (whole microkernel tiles of
// 8 for AVX-512 and 6 for AVX2) when it can be, at least 8 and at most 96. It depends on C
// and M only, never on the thread count, so every tile's sums are the same for any threads.
inline int64_t nhwc_winograd_tile_block(int64_t c, int64_t m) {
  const int64_t fit = kNhwcWinogradL2Floats / (16 * (c + m));
  if (fit >= 24) return std::min<int64_t>(96, fit / 24 * 24);
  return std::max<int64_t>(8, fit / 8 * 8);
}

// Floats of one thread's slot: V [16][tb][C] then the GEMM results [16][tb][M], rounded
// to 16 floats (64 bytes) so that every slot starts aligned.
inline int64_t nhwc_winograd_slot_floats(int64_t c, int64_t m) {
  const int64_t tb = nhwc_winograd_tile_block(c, m);
  return (16 * tb * (c + m) + 15) / 16 * 16;
}

// Scratch bytes for `threads` slots, + 16 floats to align the first slot to 64 bytes.
inline int64_t nhwc_winograd_scratch_bytes(const ref::ConvParams& p, int threads) {
  return (std::max(threads, 1) * nhwc_winograd_slot_floats(p.in_channels, p.out_channels) + 16) *
         int64_t{sizeof(float)};
}

struct NhwcWinogradF32Impl {
  Isa isa = Isa::kRef;
  int nr = 0;  // output channels per panel of packed transformed weights
  // Floats pack_weights writes: 16 x (M rounded up to nr) x C.
  int64_t packed_size(int64_t m, int64_t c) const { return 16 * ((m + nr - 1) / nr * nr) * c; }
  // W [m, c, 3, 3] -> U = G g G^T, as 16 matrices [C x M] each packed in panels of nr
  // channels ([c][nr], zero past m), the layout the NhwcConv microkernel reads.
  void (*pack_weights)(int64_t m, int64_t c, const float* w, float* out) = nullptr;
  // All images; `scratch` (64-byte aligned) holds `slots` slots of nhwc_winograd_slot_floats.
  void (*conv)(const NhwcConvF32Args& args, float* scratch, int slots, ThreadPool* pool) = nullptr;
};

const NhwcWinogradF32Impl* nhwc_winograd_f32_impl(Isa isa);

// False (WISP_WINOGRAD=0 in the environment): NhwcConv always runs the direct conv.
bool nhwc_winograd_enabled();
// Runs the conv of `args` (`a` already holds its inputs; packed_w is filled here) with
// Winograd and returns true when it applies and the scratch was sized for it; else false.
bool try_nhwc_winograd_f32(const KernelArgs& args, const NhwcConvF32Args& a, Isa isa);
const NhwcWinogradF32Impl* nhwc_winograd_f32_avx2_impl();
const NhwcWinogradF32Impl* nhwc_winograd_f32_avx512_impl();

}  // namespace wisp::x86
