// MatMul and Gemm (float32) on the NEON GEMM (gemm_f32_neon.hpp): maps the ops onto
// GemmF32NeonArgs. A constant B (weights, the usual case) is packed once per Session and
// cached in the op's params; a runtime B is packed on every call into a per-thread buffer.
// MatMul with B shared by every batch and A's batches back to back folds the batches into
// M (one GEMM of batch * M rows: a Linear layer on [B, S, K]).
#include "kernels/arm/gemm_f32_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "kernels/ref/matmul.hpp"

namespace wisp::arm {
namespace {

void gemm_kernel(const KernelArgs& args) {
  const ref::GemmParams& p = args.p<ref::GemmParams>();
  if (p.m == 0 || p.n == 0) return;
  GemmF32NeonArgs g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = args.in[0]->as<const float>();
  g.a_rs = p.trans_a ? 1 : p.k;
  g.a_cs = p.trans_a ? p.m : 1;
  g.packed_b = packed_b_f32_neon(p.b_constant, p.packed_b, p.k, p.n, args.in[1]->as<const float>(),
                                 p.trans_b ? 1 : p.n, p.trans_b ? p.k : 1);
  g.c = args.out[0]->as<float>();
  g.ldc = p.n;
  g.alpha = p.alpha;
  if (p.has_c) {
    g.bias = args.in[2]->as<const float>();
    g.bias_rs = p.c_row_stride;
    g.bias_cs = p.c_col_stride;
    g.beta = p.beta;
  }
  g.epilogue = p.epilogue;
  gemm_f32_neon(g, args.pool);
}

void matmul_kernel(const KernelArgs& args) {
  const ref::MatMulParams& p = args.p<ref::MatMulParams>();
  if (p.m == 0 || p.n == 0 || p.batch_count == 0) return;
  const float* a = args.in[0]->as<const float>();
  const float* b = args.in[1]->as<const float>();
  float* y = args.out[0]->as<float>();
  bool fold = true;  // B shared by all batches and A's batches back to back
  ref::for_each_matmul_batch(p, [&](int64_t i, int64_t ao, int64_t bo) { fold &= bo == 0 && ao == i * p.m * p.k; });
  GemmF32NeonArgs g;
  g.n = p.n;
  g.k = p.k;
  g.a_rs = p.k;
  g.ldc = p.n;
  if (fold) {
    g.m = p.m * p.batch_count;
    g.a = a;
    g.packed_b = packed_b_f32_neon(p.b_constant, p.packed_b, p.k, p.n, b, p.n, 1);
    g.c = y;
    gemm_f32_neon(g, args.pool);
    return;
  }
  g.m = p.m;
  int64_t packed_bo = -1;
  ref::for_each_matmul_batch(p, [&](int64_t i, int64_t ao, int64_t bo) {
    if (bo != packed_bo) {  // consecutive batches sharing B (broadcast) reuse its packing
      std::shared_ptr<PackedWeights> unused;
      g.packed_b = packed_b_f32_neon(false, unused, p.k, p.n, b + bo, p.n, 1);
      packed_bo = bo;
    }
    g.a = a + ao;
    g.c = y + i * p.m * p.n;
    gemm_f32_neon(g, args.pool);
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Gemm", DType::kF32, Isa::kNeon, gemm_kernel);
WISP_REGISTER_KERNEL("MatMul", DType::kF32, Isa::kNeon, matmul_kernel);

}  // namespace wisp::arm
