// Conv (float32, group 1) on the x86 GEMM, registered for AVX2 and AVX-512.
//
// Per image: Y[Cout, P] = W[Cout, K] x cols[K, P] + bias, then the fused activation, where
// P is the number of output positions and K = Cin x kernel size. cols is the im2col matrix
// (planned scratch, filled by the reference im2col) or, for a 1x1 stride-1 unpadded conv,
// the input itself. W is read in place as the GEMM's A; cols is packed as B on every call
// (O(K x P), small next to the O(Cout x K x P) product). The GEMM is threaded over blocks
// of Y and every element's sum order is fixed, so results do not depend on the thread count.
//
// Grouped and depthwise convolutions go to conv_grouped_f32.cpp (a direct depthwise
// kernel; one GEMM per group otherwise).
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/x86/conv_grouped_f32.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void conv_f32_kernel(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  if (p.group != 1) return conv_grouped_f32(kIsa, args);
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
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
    GemmF32Args g;
    g.m = p.out_channels;
    g.n = positions;
    g.k = k;
    g.a = w;
    g.a_rs = k;
    g.a_cs = 1;
    g.packed_b = packed_b(impl, false, no_cache, k, positions, pointwise ? xn : col, positions, 1);
    g.c = y + n * p.out_channels * positions;
    g.ldc = positions;
    if (bias) {
      g.bias = bias;
      g.bias_rs = 1;  // one bias per output channel (row), the same along the row
      g.bias_cs = 0;
    }
    g.epilogue = p.epilogue;
    impl.gemm(g, args.pool);
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Conv", DType::kF32, Isa::kAvx2, conv_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("Conv", DType::kF32, Isa::kAvx512, conv_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
