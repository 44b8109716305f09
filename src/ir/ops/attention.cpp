// Attention (com.wisp): Y = softmax(scale * Q K^T + mask) V over the last two dims, batch
// dims NumPy-broadcast (kernels/ref/attention.hpp has the contract). Wisp-internal (the
// exporter refuses it): passes::fuse_attention makes it from MatMul -> [Mul/Div scale] ->
// [Add mask] -> Softmax(last axis) -> MatMul. Inputs: Q [..., Sq, D], K^T [..., D, Sk]
// (attribute k_transposed = 1, the default) or K [..., Sk, D] (k_transposed = 0),
// V [..., Sk, Dv], optional mask broadcastable to [..., Sq, Sk]. Attributes: scale (float,
// default 1); q_perm, k_perm, v_perm: the operand is Transpose(input, perm) (read through
// strides, no copy); y_perm: the output is Transpose(Y, y_perm), which must keep Y's last
// axis last. Float32 only. Kernels: ref (kernels/ref/attention.cpp), AVX2/AVX-512 (x86).
#include "ir/ops/infer_util.hpp"
#include "kernels/attention_blocking.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/attention.hpp"

namespace wisp {
namespace {

// An operand as the kernels see it: logical shape and the element stride of each dim in
// the (contiguous) tensor it is read from or written to.
struct Strided {
  Shape shape;
  int64_t strides[kMaxRank] = {};
  int64_t stride(int from_end) const { return strides[shape.rank() - from_end]; }
  int64_t dim(int from_end) const { return shape[shape.rank() - from_end]; }
  Shape batch() const {
    Shape b;
    for (int i = 0; i < shape.rank() - 2; ++i) b.push_back(shape[i]);
    return b;
  }
};

// Checks `perm` (empty: identity) is a permutation of rank dims.
std::vector<int64_t> read_perm(InferContext& ctx, const char* name, int rank) {
  std::vector<int64_t> perm = ctx.attrs().get_ints(name, {});
  if (perm.empty()) {
    for (int i = 0; i < rank; ++i) perm.push_back(i);
    return perm;
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  bool ok = static_cast<int>(perm.size()) == rank;
  for (int64_t p : perm) {
    ok = ok && p >= 0 && p < rank && !seen[static_cast<size_t>(p)];
    if (ok) seen[static_cast<size_t>(p)] = true;
  }
  if (!ok) ctx.fail_invalid(str_cat(name, " is not a permutation of ", rank, " axes"));
  return perm;
}

// Input i read as Transpose(input, perm).
Strided read_operand(InferContext& ctx, int i, const char* perm_name) {
  const Shape& phys = ctx.input_shape(i);
  const Shape phys_strides = strides_of(phys);
  const std::vector<int64_t> perm = read_perm(ctx, perm_name, phys.rank());
  Strided s;
  for (int d = 0; d < phys.rank(); ++d) {
    s.shape.push_back(phys[perm[d]]);
    s.strides[d] = phys_strides[perm[d]];
  }
  return s;
}

// Strides of `own`'s batch dims (right-aligned to `batch`), 0 where it broadcasts.
void batch_strides(const Shape& batch, const Shape& own, const int64_t* own_strides, int64_t* strides) {
  for (int d = batch.rank() - 1; d >= 0; --d) {
    const int od = d - (batch.rank() - own.rank());
    strides[d] = od >= 0 && own[od] != 1 ? own_strides[od] : 0;
  }
}

void infer_attention(InferContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) require_dtype_in(ctx, i, {DType::kF32});
  if (ctx.input_shape(0).rank() < 2 || ctx.input_shape(1).rank() < 2 || ctx.input_shape(2).rank() < 2)
    ctx.fail_invalid(str_cat("Q ", ctx.input_shape(0).str(), ", K ", ctx.input_shape(1).str(), " and V ",
                             ctx.input_shape(2).str(), " must have rank >= 2"));
  const Strided q = read_operand(ctx, 0, "q_perm"), k = read_operand(ctx, 1, "k_perm"),
                v = read_operand(ctx, 2, "v_perm");
  auto& p = ctx.params<ref::AttentionParams>();
  const bool k_transposed = ctx.attrs().get_int("k_transposed", 1) != 0;
  p.scale = ctx.attrs().get_float("scale", 1.0f);
  p.sq = q.dim(2);
  p.d = q.dim(1);
  p.sk = k_transposed ? k.dim(1) : k.dim(2);
  p.dv = v.dim(1);
  if ((k_transposed ? k.dim(2) : k.dim(1)) != p.d || v.dim(2) != p.sk)
    ctx.fail_invalid(str_cat("shapes do not chain: Q ", q.shape.str(), (k_transposed ? ", K^T " : ", K "),
                             k.shape.str(), ", V ", v.shape.str()));
  p.q_rs = q.stride(2);
  p.q_cs = q.stride(1);
  p.k_rs = k_transposed ? k.stride(1) : k.stride(2);  // K(j, e) = K^T(e, j)
  p.k_cs = k_transposed ? k.stride(2) : k.stride(1);
  p.v_rs = v.stride(2);
  p.v_cs = v.stride(1);
  Shape batch = broadcast_shapes(broadcast_shapes(q.batch(), k.batch(), ctx.node().label()), v.batch(),
                                 ctx.node().label());
  Strided m;  // the mask padded to rank >= 2, contiguous
  p.has_mask = ctx.has_input(3);
  if (p.has_mask) {
    const Shape& given = ctx.input_shape(3);
    for (int i = given.rank(); i < 2; ++i) m.shape.push_back(1);
    for (int i = 0; i < given.rank(); ++i) m.shape.push_back(given[i]);
    const Shape ms = strides_of(m.shape);
    for (int i = 0; i < m.shape.rank(); ++i) m.strides[i] = ms[i];
    if ((m.dim(2) != 1 && m.dim(2) != p.sq) || (m.dim(1) != 1 && m.dim(1) != p.sk))
      ctx.fail_invalid(str_cat("mask ", given.str(), " does not broadcast to the scores [..., ", p.sq, ", ", p.sk, "]"));
    batch = broadcast_shapes(batch, m.batch(), ctx.node().label());
    p.mask_rs = m.dim(2) == 1 ? 0 : m.stride(2);
    p.mask_cs = m.dim(1) == 1 ? 0 : 1;
  }
  p.batch_rank = batch.rank();
  p.batch_count = batch.numel();
  for (int d = 0; d < batch.rank(); ++d) p.batch[d] = batch[d];
  batch_strides(batch, q.batch(), q.strides, p.q_stride);
  batch_strides(batch, k.batch(), k.strides, p.k_stride);
  batch_strides(batch, v.batch(), v.strides, p.v_stride);
  if (p.has_mask) batch_strides(batch, m.batch(), m.strides, p.m_stride);
  // Y (logical) = batch + [Sq, Dv]; the node's output is Transpose(Y, y_perm).
  Shape y = batch;
  y.push_back(p.sq);
  y.push_back(p.dv);
  const std::vector<int64_t> y_perm = read_perm(ctx, "y_perm", y.rank());
  if (y_perm.back() != y.rank() - 1) ctx.fail_unsupported("y_perm must keep the last axis last");
  Shape out;
  for (int d = 0; d < y.rank(); ++d) out.push_back(y[y_perm[d]]);
  const Shape out_strides = strides_of(out);
  int64_t y_strides[kMaxRank] = {};
  for (int d = 0; d < y.rank(); ++d) y_strides[y_perm[d]] = out_strides[d];
  p.y_rs = y_strides[y.rank() - 2];
  for (int d = 0; d < batch.rank(); ++d) p.y_stride[d] = y_strides[d];
  ctx.set_output(0, DType::kF32, out);
  int64_t floats = ref::attention_ref_scratch_floats(p);
  // The x86 kernels, when the session picks them: one slot per thread, plus 64 bytes to
  // align the first. Other ISAs run the reference.
  const auto isa = static_cast<Isa>(ctx.kernel_isa());
  if (isa == Isa::kAvx2 || isa == Isa::kAvx512)
    floats = std::max(floats, checked_add(checked_mul(attention_slot(p.sk, p.d, p.dv).floats, ctx.threads()), 16));
  ctx.request_scratch(checked_mul(std::max<int64_t>(floats, 1), 4));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Attention", .domain = "com.wisp", .min_inputs = 3, .max_inputs = 4,
                  .infer = infer_attention});

}  // namespace wisp
