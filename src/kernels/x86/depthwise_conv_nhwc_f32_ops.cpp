// NhwcDepthwiseConv (com.wisp, float32) on x86, registered for AVX2 and AVX-512.
//
// The filter W [C, 1, kH, kW] is repacked once into [kH][kW][cp] (channels innermost,
// padded with zeros to a multiple of 16) and cached in the params' packed_w, so the per-ISA
// kernel (depthwise_conv_nhwc_f32_driver.hpp) loads one filter vector per tap. This file has
// no ISA flags: it checks what the fast kernel takes, packs, and dispatches.
//
// To the reference NHWC kernel: channel multipliers other than 1, a filter that is not a
// constant (it would be repacked on every run; the layout pass only sees constant ones),
// windows that are not 2-D, and more than 64 kernel rows.
#include <memory>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/x86/depthwise_conv_nhwc_f32.hpp"

namespace wisp::x86 {
namespace {

float* align64(void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>(addr + (64 - addr % 64) % 64);
}

bool fast_path_takes(const ref::ConvParams& p) {
  const ref::WindowGeometry& g = p.geo;
  return p.group == p.in_channels && p.out_channels == p.in_channels && p.w_constant && g.in[0] == 1 &&
         g.out[0] == 1 && g.kernel[0] == 1 && g.kernel[1] <= 64;
}

// w [C, 1, kH, kW] -> [kH * kW][cp], lanes c >= C zero.
void pack_filter(const float* w, int64_t c, int64_t taps, int64_t cp, float* out) {
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t ch = 0; ch < cp; ++ch) out[t * cp + ch] = ch < c ? w[ch * taps + t] : 0.0f;
}

template <Isa kIsa>
void nhwc_depthwise_conv_f32_kernel(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  static const KernelFn reference = find_kernel("com.wisp", "NhwcDepthwiseConv", DType::kF32, Isa::kRef);
  if (!fast_path_takes(p)) return reference(args);
  const float* w = args.in[1]->as<const float>();
  const int64_t c = p.in_channels, taps = p.geo.kernel_size(), cp = nhwc_dw_padded_channels(c);
  std::shared_ptr<PackedWeights>& cache = p.packed_w;
  if (!cache || cache->source != w || cache->isa != kIsa) {
    auto fresh = std::make_shared<PackedWeights>();
    fresh->source = w;
    fresh->isa = kIsa;
    fresh->storage.resize(static_cast<size_t>(taps * cp) + 16);
    fresh->data = align64(fresh->storage.data());
    pack_filter(w, c, taps, cp, fresh->data);
    cache = std::move(fresh);
  }
  NhwcDwF32Args a;
  a.p = &p;
  a.x = args.in[0]->as<const float>();
  a.w = cache->data;
  a.cp = cp;
  a.bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  a.residual = p.has_residual && args.has_in(3) ? args.in[3]->as<const float>() : nullptr;
  a.y = args.out[0]->as<float>();
  a.pool = args.pool;
  if constexpr (kIsa == Isa::kAvx512) nhwc_depthwise_conv_f32_avx512(a);
  else nhwc_depthwise_conv_f32_avx2(a);
}

}  // namespace

WISP_REGISTER_KERNEL("NhwcDepthwiseConv", DType::kF32, Isa::kAvx2, nhwc_depthwise_conv_f32_kernel<Isa::kAvx2>,
                     "com.wisp");
WISP_REGISTER_KERNEL("NhwcDepthwiseConv", DType::kF32, Isa::kAvx512, nhwc_depthwise_conv_f32_kernel<Isa::kAvx512>,
                     "com.wisp");

}  // namespace wisp::x86
