// Softmax (float32) for AVX2 and AVX-512 (softmax_f32_driver.hpp). LogSoftmax and Hardmax
// keep the reference kernel. Built without ISA flags.
#include "kernels/kernel_registry.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void softmax_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::SoftmaxParams>();
  const float* x = args.in[0]->as<const float>();
  float* y = args.out[0]->as<float>();
  ThreadPool* pool = eltwise_pool(args, args.in[0]->numel());
  if (kIsa == Isa::kAvx512) softmax_f32_avx512(x, y, p, pool);
  else softmax_f32_avx2(x, y, p, pool);
}

}  // namespace

WISP_REGISTER_KERNEL("Softmax", DType::kF32, Isa::kAvx2, softmax_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("Softmax", DType::kF32, Isa::kAvx512, softmax_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
