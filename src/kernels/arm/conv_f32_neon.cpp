// Conv (float32) with NEON: group-1 convolutions on the NEON GEMM, depthwise 3x3 on its
// own kernel (depthwise_conv3x3_f32_neon.cpp), everything else on the reference kernel.
//
// Group 1, per image: Y[Cout, P] = W[Cout, K] x cols[K, P] + bias, then the fused
// activation, where P is the number of output positions and K = Cin x kernel size. cols
// is the im2col matrix (planned scratch, filled by the reference im2col) or, for a 1x1
// stride-1 unpadded conv, the input itself. W is the GEMM's A (read in place, copied in
// 8-row slivers by the driver); cols is packed as B on every call (O(K x P), small next to
// the O(Cout x K x P) product). Threaded over blocks of Y with a fixed sum order per
// element, so results do not depend on the thread count.
#include "kernels/arm/depthwise_conv3x3_f32_neon.hpp"
#include "kernels/arm/gemm_f32_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp::arm {
namespace {

void conv_kernel(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  static const KernelFn reference = find_kernel("", "Conv", DType::kF32, Isa::kRef);
  // A fused residual (passes/fuse_residual_add.cpp, input 3): the reference adds it; this
  // kernel does not yet.
  if (p.has_residual) return reference(args);
  if (p.group != 1) {
    if (depthwise_conv3x3_f32_neon_supports(p)) return depthwise_conv3x3_f32_neon(args);
    return reference(args);
  }
  const ref::WindowGeometry& geo = p.geo;
  const int64_t k = ref::ws_per_out(p), positions = geo.out_size();
  if (p.out_channels == 0 || positions == 0) return;
  const float* x = args.in[0]->as<const float>();
  const float* w = args.in[1]->as<const float>();
  const float* bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  float* y = args.out[0]->as<float>();
  auto* col = static_cast<float*>(args.scratch);
  const bool pointwise = ref::conv_is_pointwise(geo);
  std::shared_ptr<PackedWeights> no_cache;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* xn = x + n * p.in_channels * geo.in_size();
    if (!pointwise) ref::im2col(xn, p.in_channels, geo, col, 0.0f, [](float v) { return v; });
    GemmF32NeonArgs g;
    g.m = p.out_channels;
    g.n = positions;
    g.k = k;
    g.a = w;
    g.a_rs = k;
    g.a_cs = 1;
    g.packed_b = packed_b_f32_neon(false, no_cache, k, positions, pointwise ? xn : col, positions, 1);
    g.c = y + n * p.out_channels * positions;
    g.ldc = positions;
    if (bias) {
      g.bias = bias;
      g.bias_rs = 1;  // one bias per output channel (row), the same along the row
      g.bias_cs = 0;
    }
    g.epilogue = p.epilogue;
    gemm_f32_neon(g, args.pool);
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Conv", DType::kF32, Isa::kNeon, conv_kernel);

}  // namespace wisp::arm
