// LayerNormalization (float32) for AVX2 and AVX-512 (layer_norm_f32_driver.hpp) when
// scale (and bias) cover the whole normalised block, as models use it; other broadcasts
// go to the reference kernel. Built without ISA flags.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/normalization.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void layer_norm_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::LayerNormParams>();
  const bool float_stats = (!args.has_out(1) || args.out[1]->dtype == DType::kF32) &&
                           (!args.has_out(2) || args.out[2]->dtype == DType::kF32);
  if (p.scale_numel != p.block || (p.bias_numel != 0 && p.bias_numel != p.block) || p.block == 0 || !float_stats) {
    static const KernelFn reference = find_kernel("", "LayerNormalization", DType::kF32, Isa::kRef);
    return reference(args);
  }
  const LayerNormF32Fn fn = kIsa == Isa::kAvx512 ? &layer_norm_f32_avx512 : &layer_norm_f32_avx2;
  fn(args.in[0]->as<const float>(), args.out[0]->as<float>(), args.in[1]->as<const float>(),
     p.bias_numel ? args.in[2]->as<const float>() : nullptr, p.outer, p.block, p.epsilon,
     args.has_out(1) ? args.out[1]->as<float>() : nullptr, args.has_out(2) ? args.out[2]->as<float>() : nullptr,
     eltwise_pool(args, p.outer * p.block));
}

}  // namespace

WISP_REGISTER_KERNEL("LayerNormalization", DType::kF32, Isa::kAvx2, layer_norm_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("LayerNormalization", DType::kF32, Isa::kAvx512, layer_norm_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
