// MatMulInt4 (com.wisp): A float32 [..., M, K] or [K], B int4/uint4 [K, N] constant, scale
// float32 [ceil(K / block_size), N] -> Y [..., M, N]. Wisp-internal (the exporter refuses
// it): passes::fuse_int4_matmul makes it from MatMul(A, DequantizeLinear(B, scale, axis 0,
// block_size)). Kernels: ref (kernels/ref/matmul_int4.cpp), AVX2/AVX-512 (x86).
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/matmul_int4.hpp"

namespace wisp {
namespace {

void infer_matmul_int4(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32});
  require_dtype_in(ctx, 1, {DType::kI4, DType::kU4});
  require_dtype_in(ctx, 2, {DType::kF32});
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  const Shape& s = ctx.input_shape(2);
  ref::MatMulInt4Params& p = ctx.params<ref::MatMulInt4Params>();
  p.block = ctx.attrs().get_int("block_size", 0);
  if (p.block <= 0) ctx.fail_invalid("block_size must be positive");
  if (a.rank() < 1 || b.rank() != 2) ctx.fail_invalid(str_cat("A ", a.str(), " must be >= 1-D and B ", b.str(), " 2-D"));
  p.k = b[0];
  p.n = b[1];
  if (a[a.rank() - 1] != p.k) ctx.fail_invalid(str_cat("inner dims differ: A ", a.str(), " x B ", b.str()));
  if (!(s == Shape{(p.k + p.block - 1) / p.block, p.n}))
    ctx.fail_invalid(str_cat("scale ", s.str(), " does not match B ", b.str(), " with block_size ", p.block));
  p.m = a.numel(0, a.rank() - 1);  // 1 for a 1-D A
  p.is_signed = ctx.input_dtype(1) == DType::kI4;
  Shape out = a;
  out[out.rank() - 1] = p.n;
  ctx.set_output(0, DType::kF32, out);
  // The x86 kernels dequantize B into the GEMM's packed layout (panels of at most 64
  // columns, zero-padded) in this scratch on every run.
  if (ctx.kernel_isa() != 0) ctx.request_scratch(checked_mul(checked_mul(p.k, (p.n + 63) / 64 * 64), 4) + 64);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "MatMulInt4", .domain = "com.wisp", .min_inputs = 3, .max_inputs = 3,
                  .infer = infer_matmul_int4});

}  // namespace wisp
