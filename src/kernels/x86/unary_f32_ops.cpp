// Unary activations and math (float32) for AVX2 and AVX-512 (unary_f32_driver.hpp):
// Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Gelu (erf and tanh forms),
// Exp, Erf, Sqrt, Neg, Abs. Other functions sharing these ops' params (Elu, Softplus,
// Log, Sin, ...) go to the reference kernel. Built without ISA flags.
#include <limits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/activation.hpp"
#include "kernels/ref/unary_math.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void run_unary(const KernelArgs& args, const UnaryF32Op& op) {
  const UnaryF32Fn fn = kIsa == Isa::kAvx512 ? &unary_f32_avx512 : &unary_f32_avx2;
  const int64_t n = args.in[0]->numel();
  fn(op, args.in[0]->as<const float>(), args.out[0]->as<float>(), n, eltwise_pool(args, n));
}

template <Isa kIsa>
void activation_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::ActivationParams>();
  UnaryF32Op op{UnaryF32::kRelu, p.alpha, p.beta};
  switch (p.fn) {
    case ref::ActFn::kRelu: op.fn = UnaryF32::kRelu; break;
    case ref::ActFn::kLeakyRelu: op.fn = UnaryF32::kLeakyRelu; break;
    case ref::ActFn::kSigmoid: op.fn = UnaryF32::kSigmoid; break;
    case ref::ActFn::kHardSigmoid: op.fn = UnaryF32::kHardSigmoid; break;
    case ref::ActFn::kHardSwish: op.fn = UnaryF32::kHardSwish; break;
    case ref::ActFn::kTanh: op.fn = UnaryF32::kTanh; break;
    case ref::ActFn::kGelu: op.fn = UnaryF32::kGelu; break;
    case ref::ActFn::kGeluTanh: op.fn = UnaryF32::kGeluTanh; break;
    default: {
      static const KernelFn reference = find_kernel("", "Relu", DType::kF32, Isa::kRef);  // serves every activation
      return reference(args);
    }
  }
  run_unary<kIsa>(args, op);
}

template <Isa kIsa>
void unary_math_f32_kernel(const KernelArgs& args) {
  UnaryF32Op op;
  switch (args.p<ref::UnaryParams>().fn) {
    case ref::UnaryFn::kExp: op.fn = UnaryF32::kExp; break;
    case ref::UnaryFn::kErf: op.fn = UnaryF32::kErf; break;
    case ref::UnaryFn::kSqrt: op.fn = UnaryF32::kSqrt; break;
    case ref::UnaryFn::kNeg: op.fn = UnaryF32::kNeg; break;
    case ref::UnaryFn::kAbs: op.fn = UnaryF32::kAbs; break;
    default: {
      static const KernelFn reference = find_kernel("", "Abs", DType::kF32, Isa::kRef);  // serves every unary op
      return reference(args);
    }
  }
  run_unary<kIsa>(args, op);
}

template <Isa kIsa>
void clip_f32_kernel(const KernelArgs& args) {
  for (size_t i : {1, 2}) {
    if (args.has_in(i) && args.in[i]->dtype != DType::kF32) {  // a legacy bound of another type
      static const KernelFn reference = find_kernel("", "Clip", DType::kF32, Isa::kRef);
      return reference(args);
    }
  }
  UnaryF32Op op{UnaryF32::kClip, std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()};
  if (args.has_in(1)) op.alpha = args.in[1]->as<const float>()[0];
  if (args.has_in(2)) op.beta = args.in[2]->as<const float>()[0];
  run_unary<kIsa>(args, op);
}

}  // namespace

#define WISP_X86_UNARY(op, kernel)                                          \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx2, kernel<Isa::kAvx2>); \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx512, kernel<Isa::kAvx512>)
WISP_X86_UNARY("Relu", activation_f32_kernel);
WISP_X86_UNARY("LeakyRelu", activation_f32_kernel);
WISP_X86_UNARY("Sigmoid", activation_f32_kernel);
WISP_X86_UNARY("HardSigmoid", activation_f32_kernel);
WISP_X86_UNARY("HardSwish", activation_f32_kernel);
WISP_X86_UNARY("Tanh", activation_f32_kernel);
WISP_X86_UNARY("Gelu", activation_f32_kernel);
WISP_X86_UNARY("Exp", unary_math_f32_kernel);
WISP_X86_UNARY("Erf", unary_math_f32_kernel);
WISP_X86_UNARY("Sqrt", unary_math_f32_kernel);
WISP_X86_UNARY("Neg", unary_math_f32_kernel);
WISP_X86_UNARY("Abs", unary_math_f32_kernel);
WISP_X86_UNARY("Clip", clip_f32_kernel);
#undef WISP_X86_UNARY

}  // namespace wisp::x86
