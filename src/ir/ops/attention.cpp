// Attention (com.wisp): Y = softmax(scale * Q K^T + mask) V over the last two dims, batch
// dims NumPy-broadcast (kernels/ref/attention.hpp has the contract). Wisp-internal (the
// exporter refuses it): passes::fuse_attention makes it from MatMul -> [Mul/Div scale] ->
// [Add mask] -> Softmax(last axis) -> MatMul. Inputs: Q [..., Sq, D], K^T [..., D, Sk]
// (attribute k_transposed = 1, the default) or K [..., Sk, D] (k_transposed = 0),
// V [..., Sk, Dv], optional mask broadcastable to [..., Sq, Sk]. Attribute scale (float,
// default 1). Float32 only. Kernels: ref (kernels/ref/attention.cpp), AVX2/AVX-512 (x86).
#include "ir/ops/infer_util.hpp"
#include "kernels/attention_blocking.hpp"
#include "kernels/ref/attention.hpp"

namespace wisp {
namespace {

Shape leading(const Shape& s, int keep_last) {
  Shape out;
  for (int i = 0; i < s.rank() - keep_last; ++i) out.push_back(s[i]);
  return out;
}

// Strides of `own` batch dims (right-aligned to `batch`), 0 where it broadcasts.
void batch_strides(const Shape& batch, const Shape& own, int64_t matrix, int64_t* strides) {
  int64_t s = matrix;
  for (int d = batch.rank() - 1; d >= 0; --d) {
    const int od = d - (batch.rank() - own.rank());
    const int64_t n = od >= 0 ? own[od] : 1;
    strides[d] = n == 1 ? 0 : s;
    s = checked_mul(s, n);
  }
}

void infer_attention(InferContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) require_dtype_in(ctx, i, {DType::kF32});
  const Shape& q = ctx.input_shape(0);
  const Shape& k = ctx.input_shape(1);
  const Shape& v = ctx.input_shape(2);
  if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2)
    ctx.fail_invalid(str_cat("Q ", q.str(), ", K ", k.str(), " and V ", v.str(), " must have rank >= 2"));
  auto& p = ctx.params<ref::AttentionParams>();
  const bool k_transposed = ctx.attrs().get_int("k_transposed", 1) != 0;
  p.scale = ctx.attrs().get_float("scale", 1.0f);
  p.sq = q[q.rank() - 2];
  p.d = q[q.rank() - 1];
  p.sk = k_transposed ? k[k.rank() - 1] : k[k.rank() - 2];
  const int64_t kd = k_transposed ? k[k.rank() - 2] : k[k.rank() - 1];
  p.dv = v[v.rank() - 1];
  if (kd != p.d || v[v.rank() - 2] != p.sk)
    ctx.fail_invalid(str_cat("shapes do not chain: Q ", q.str(), (k_transposed ? ", K^T " : ", K "), k.str(), ", V ",
                             v.str()));
  p.k_rs = k_transposed ? 1 : p.d;
  p.k_cs = k_transposed ? p.sk : 1;
  Shape batch = broadcast_shapes(broadcast_shapes(leading(q, 2), leading(k, 2), ctx.node().label()), leading(v, 2),
                                 ctx.node().label());
  Shape m;  // the mask padded to rank >= 2
  p.has_mask = ctx.has_input(3);
  if (p.has_mask) {
    const Shape& given = ctx.input_shape(3);
    for (int i = given.rank(); i < 2; ++i) m.push_back(1);
    for (int i = 0; i < given.rank(); ++i) m.push_back(given[i]);
    const int64_t mr = m[m.rank() - 2], mc = m[m.rank() - 1];
    if ((mr != 1 && mr != p.sq) || (mc != 1 && mc != p.sk))
      ctx.fail_invalid(str_cat("mask ", given.str(), " does not broadcast to the scores [..., ", p.sq, ", ", p.sk, "]"));
    batch = broadcast_shapes(batch, leading(m, 2), ctx.node().label());
    p.mask_rs = mr == 1 ? 0 : mc;
    p.mask_cs = mc == 1 ? 0 : 1;
    batch_strides(batch, leading(m, 2), checked_mul(mr, mc), p.m_stride);
  }
  p.batch_rank = batch.rank();
  p.batch_count = batch.numel();
  for (int d = 0; d < batch.rank(); ++d) p.batch[d] = batch[d];
  batch_strides(batch, leading(q, 2), checked_mul(p.sq, p.d), p.q_stride);
  batch_strides(batch, leading(k, 2), checked_mul(p.sk, p.d), p.k_stride);
  batch_strides(batch, leading(v, 2), checked_mul(p.sk, p.dv), p.v_stride);
  Shape out = batch;
  out.push_back(p.sq);
  out.push_back(p.dv);
  ctx.set_output(0, DType::kF32, out);
  int64_t floats = ref::attention_ref_scratch_floats(p);
  // The SIMD kernels: one slot per thread, plus 64 bytes to align the first.
  if (ctx.kernel_isa() != 0)
    floats = std::max(floats, checked_add(checked_mul(attention_slot(p.sk, p.d, p.dv).floats, ctx.threads()), 16));
  ctx.request_scratch(checked_mul(std::max<int64_t>(floats, 1), 4));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Attention", .domain = "com.wisp", .min_inputs = 3, .max_inputs = 4,
                  .infer = infer_attention});

}  // namespace wisp
