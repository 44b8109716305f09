// QLinearConv and QLinearMatMul on x86 (AVX2, AVX-512): the fixed-point form
// (wisp_fixed_point=1) of group-1 convolutions and of MatMul with a 2-D B runs the int8
// GEMM of qgemm_x86.hpp (convs im2col each tile on the fly); depthwise fixed-point convs
// run the direct kernels of kernels/ref/depthwise_conv_q8.hpp. Everything else -- the ONNX
// float-rounding form (conformance), other grouped convolutions -- runs the reference kernel.
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
  src.channels_last = ref::qconv_uses_channels_last(c);
  src.in_channels = c.in_channels;
  const int64_t positions = c.geo.out_size();
  qgemm_x86_run(*mk, p.q, c.batch, positions, src, c.in_channels * c.geo.in_size(), args.out[0]->as<uint8_t>(),
                c.out_channels * positions, positions, 1, static_cast<uint8_t*>(args.scratch) + skip,
                args.scratch_bytes - skip, args.pool);
}

// QLinearMatMul, fixed point: positions = rows of A (all batches at once: A's batches are
// contiguous and B is 2-D), channels = columns of B; Y written with row stride N.
template <Isa kIsa>
void qlinear_matmul_kernel(const KernelArgs& args) {
  static const KernelFn reference = find_kernel("", "QLinearMatMul", DType::kUndefined, Isa::kRef);
  const ref::QMatMulParams& p = args.p<ref::QMatMulParams>();
  const QGemmMicrokernel* mk = qgemm_microkernel(kIsa);
  const ref::MatMulParams& mm = p.mm;
  // A's batches must be plain consecutive matrices (no broadcast of A against B's batch).
  bool contiguous = true;
  for (int d = 0; d < mm.batch_rank; ++d) contiguous &= mm.b_batch_stride[d] == 0;
  if (!p.fixed_point || !mk || !contiguous) return reference(args);
  const int64_t rows = mm.batch_count * mm.m;
  // One or a few rows (a classifier at batch 1): the matrix-vector form, not 32-wide tiles.
  if (qgemm_x86_gemv(*mk, p.q, rows, args.in[0]->as<const uint8_t>(), mm.k, args.out[0]->as<uint8_t>(), mm.n,
                     args.scratch, args.scratch_bytes, args.pool))
    return;
  QGemmSource src;
  src.x = args.in[0]->as<const uint8_t>();
  src.x_row_stride = mm.k;
  qgemm_x86_run(*mk, p.q, 1, mm.batch_count * mm.m, src, 0, args.out[0]->as<uint8_t>(), 0, 1, mm.n, args.scratch,
                args.scratch_bytes, args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("QLinearMatMul", DType::kU8, Isa::kAvx2, qlinear_matmul_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearMatMul", DType::kI8, Isa::kAvx2, qlinear_matmul_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearMatMul", DType::kU8, Isa::kAvx512, qlinear_matmul_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("QLinearMatMul", DType::kI8, Isa::kAvx512, qlinear_matmul_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kU8, Isa::kAvx2, qlinear_conv_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kI8, Isa::kAvx2, qlinear_conv_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kU8, Isa::kAvx512, qlinear_conv_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("QLinearConv", DType::kI8, Isa::kAvx512, qlinear_conv_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
