// QLinearConv and QLinearMatMul on aarch64 (NEON): the fixed-point form
// (wisp_fixed_point=1) runs the NEON kernels -- depthwise convolutions on
// depthwise_conv_q8_neon.cpp, group-1 convolutions and MatMul with a 2-D B on the int8 GEMM
// of qgemm_q8_neon.hpp (sdot when the CPU has the dot product, else smull/sadalp);
// everything else -- the ONNX float-rounding form (conformance), other grouped
// convolutions, broadcast batches -- runs the reference kernel.
#include "kernels/arm/qgemm_q8_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/depthwise_conv_q8.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp::arm {
namespace {

void qlinear_conv_neon(const KernelArgs& args) {
  static const KernelFn reference = find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef);
  if (ref::run_qlinear_conv_depthwise_q8(args, Isa::kNeon)) return;
  if (run_qlinear_conv_gemm_q8_neon(args)) return;
  reference(args);
}

void qlinear_matmul_neon(const KernelArgs& args) {
  static const KernelFn reference = find_kernel("", "QLinearMatMul", DType::kUndefined, Isa::kRef);
  if (run_qlinear_matmul_gemm_q8_neon(args)) return;
  reference(args);
}

}  // namespace

WISP_REGISTER_KERNEL("QLinearMatMul", DType::kU8, Isa::kNeon, qlinear_matmul_neon);
WISP_REGISTER_KERNEL("QLinearMatMul", DType::kI8, Isa::kNeon, qlinear_matmul_neon);
WISP_REGISTER_KERNEL("QLinearConv", DType::kU8, Isa::kNeon, qlinear_conv_neon);
WISP_REGISTER_KERNEL("QLinearConv", DType::kI8, Isa::kNeon, qlinear_conv_neon);

}  // namespace wisp::arm
