// Conv with group > 1 on x86 (see conv_grouped_f32.hpp for which path takes what).
//
// Non-depthwise groups run one GEMM per (image, group): Y_g[M/G, P] = W_g[M/G, K] x
// cols_g[K, P] with the im2col matrix of the group in the Conv's planned scratch (one
// group's worth, as the op requests it). The groups run one after another and each GEMM
// is threaded over blocks of its output, because the scratch holds one group's columns;
// the GEMM fixes every element's sum order, so results do not depend on the thread count.
// This file has no ISA flags: it only dispatches and calls the per-ISA code.
#include "kernels/x86/conv_grouped_f32.hpp"

#include <memory>

#include "kernels/x86/gemm_f32.hpp"
#include "kernels/x86/window_f32_driver.hpp"

namespace wisp::x86 {

void apply_epilogue_f32(float* x, int64_t n, const ref::Epilogue& e) { ref::apply_epilogue(x, n, e); }

bool depthwise_conv_f32_supported(const ref::ConvParams& p) {
  return p.group == p.in_channels && p.out_channels % p.in_channels == 0 && window2d_ok(p.geo);
}

namespace {

void grouped_gemm_f32(Isa isa, const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  const GemmF32Impl& impl = *gemm_f32_impl(isa);
  const ref::WindowGeometry& geo = p.geo;
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  const int64_t k = ref::ws_per_out(p), positions = geo.out_size();
  if (mg == 0 || positions == 0) return;
  const float* x = args.in[0]->as<const float>();
  const float* w = args.in[1]->as<const float>();
  const float* bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  float* y = args.out[0]->as<float>();
  auto* col = static_cast<float*>(args.scratch);
  const bool pointwise = ref::conv_is_pointwise(geo);
  std::shared_ptr<PackedWeights> no_cache;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t grp = 0; grp < p.group; ++grp) {
      const float* xg = x + (n * p.in_channels + grp * cg) * geo.in_size();
      if (!pointwise) ref::im2col(xg, cg, geo, col, 0.0f, [](float v) { return v; });
      GemmF32Args g;
      g.m = mg;
      g.n = positions;
      g.k = k;
      g.a = w + grp * mg * k;
      g.a_rs = k;
      g.a_cs = 1;
      g.packed_b = packed_b(impl, false, no_cache, k, positions, pointwise ? xg : col, positions, 1);
      g.c = y + (n * p.out_channels + grp * mg) * positions;
      g.ldc = positions;
      if (bias) {
        g.bias = bias + grp * mg;
        g.bias_rs = 1;
        g.bias_cs = 0;
      }
      g.epilogue = p.epilogue;
      impl.gemm(g, args.pool);
    }
  }
}

}  // namespace

void conv_grouped_f32(Isa isa, const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  static const KernelFn reference = find_kernel("", "Conv", DType::kF32, Isa::kRef);
  // Inputs past X, W, B (a fused residual, say) are not known here: the reference has them.
  if (args.in.size() > 3) return reference(args);
  if (depthwise_conv_f32_supported(p)) {
    DepthwiseF32Args d;
    d.p = &p;
    d.x = args.in[0]->as<const float>();
    d.w = args.in[1]->as<const float>();
    d.bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
    d.y = args.out[0]->as<float>();
    d.pool = args.pool;
    return isa == Isa::kAvx512 ? depthwise_conv_f32_avx512(d) : depthwise_conv_f32_avx2(d);
  }
  if (p.group < p.in_channels) return grouped_gemm_f32(isa, args);
  // Depthwise with a 3-D window or a column stride above 2: rare enough for the reference.
  reference(args);
}

}  // namespace wisp::x86
