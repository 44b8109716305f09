// QLinearConv on x86 (AVX2, AVX-512): the fixed-point form (wisp_fixed_point=1) of group-1
// convolutions runs the int8 GEMM of qgemm_x86.hpp, im2col'ing each tile on the fly.
// Depthwise fixed-point convolutions run kernels/ref/depthwise_conv_q8.hpp's direct kernels;
// everything else -- the ONNX float-rounding form (conformance), other grouped convolutions
// -- runs the reference kernel.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/depthwise_conv_q8.hpp"
#include "kernels/ref/qgemm.hpp"
#include "kernels/x86/qgemm_x86.hpp"

namespace wisp::x86 {
namespace {

template <Isa kIsa>
void qlinear_conv_kernel(const KernelArgs& args) {
  static const KernelFn reference = find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef);
  const ref::QConvParams& p = args.p<ref::QConvParams>();
  const QGemmMicrokernel* mk = qgemm_microkernel(kIsa);
  // Depthwise (group == channels): the direct kernels of kernels/ref/depthwise_conv_q8.hpp.
  if (ref::run_qlinear_conv_depthwise_q8(args, kIsa)) return;
  if (!p.fixed_point || p.conv.group != 1 || !mk) return reference(args);
  const ref::ConvParams& c = p.conv;
  // The reference's im2col region comes first in the scratch (ir/ops/conv_quantized.cpp).
  const int64_t skip = ref::conv_col_elems(c);
  QGemmSource src;
  src.x = args.in[0]->as<const uint8_t>();
  src.geo = &c.geo;
  const int64_t positions = c.geo.out_size();
  qgemm_x86_run(*mk, p.q, c.batch, positions, src, c.in_channels * c.geo.in_size(), args.out[0]->as<uint8_t>(),
                c.out_channels * positions, positions, 1, static_cast<uint8_t*>(args.scratch) + skip,
                args.scratch_bytes - skip, args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("QLinearConv", DType::kU8, Isa::kAvx2, qlinear_conv_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kI8, Isa::kAvx2, qlinear_conv_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kU8, Isa::kAvx512, qlinear_conv_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kI8, Isa::kAvx512, qlinear_conv_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
