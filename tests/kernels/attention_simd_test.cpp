// The Attention kernels (com.wisp): the reference against values computed by hand, and the
// x86 AVX2 / AVX-512 kernel against the reference at sequence lengths below, at and above
// the row block and the GEMM panel widths (S = 1, 7, 16, 17, 128), head sizes 8, 32, 64,
// with and without a (broadcast) mask, K or K^T, and bit-identical results for 1, 2, 3
// threads. Params and scratch come from the op's own infer, as in a Session.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>
#include <memory>

#include "cpu/cpu_features.hpp"
#include "ir/graph.hpp"
#include "ir/op_registry.hpp"
#include "kernels/attention_blocking.hpp"
#include "kernels/ref/attention.hpp"
#include "runtime/thread_pool.hpp"
#include "simd_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

// One Attention node's infer + kernel call, the way the session does it.
struct AttentionCall {
  Graph graph;
  Node* node = nullptr;
  std::unique_ptr<OpParamsHolder> params;
  Shape out_shape;
  int64_t scratch_bytes = 0;

  AttentionCall(const std::vector<const Tensor*>& ins, float scale, bool k_transposed, Isa isa, int threads,
                const Attributes& perms = {}) {
    std::vector<Value*> in_values;
    for (size_t i = 0; i < ins.size(); ++i) in_values.push_back(ins[i] ? graph.add_value("in" + std::to_string(i)) : nullptr);
    node = graph.add_node("Attention", "attn", in_values, {graph.add_value("y")}, "com.wisp");
    node->attrs = perms;
    node->attrs.set_float("scale", scale);
    node->attrs.set_int("k_transposed", k_transposed ? 1 : 0);
    std::vector<TensorView> views;
    views.reserve(ins.size());
    std::vector<const TensorView*> ptrs;
    for (const Tensor* t : ins) {
      if (t) views.push_back(t->view());
      ptrs.push_back(t ? &views.back() : nullptr);
    }
    InferContext ctx(*node, ptrs, /*values_known=*/false);
    ctx.set_kernel_isa(static_cast<uint8_t>(isa));
    ctx.set_threads(threads);
    find_op_schema("com.wisp", "Attention")->infer(ctx);
    out_shape = ctx.outputs()[0].shape;
    scratch_bytes = ctx.scratch_bytes();
    params = ctx.take_params();
  }

  Tensor run(KernelFn fn, const std::vector<const Tensor*>& ins, ThreadPool* pool) const {
    std::vector<uint64_t> scratch(static_cast<size_t>(scratch_bytes / 8 + 16));
    std::vector<const TensorView*> in_ptrs;
    std::vector<TensorView> in_views;
    in_views.reserve(ins.size());
    for (const Tensor* t : ins) {
      if (t) in_views.push_back(t->view());
      in_ptrs.push_back(t ? &in_views.back() : nullptr);
    }
    Tensor y(DType::kF32, out_shape);
    for (int64_t i = 0; i < y.numel(); ++i) y.as<float>()[i] = -777.0f;  // unwritten elements show
    TensorView yv = y.view();
    TensorView* out_ptrs[] = {&yv};
    KernelArgs args{node, params->get(), in_ptrs, out_ptrs, scratch.data(), scratch_bytes, nullptr, pool};
    fn(args);
    return y;
  }
};

KernelFn attention_kernel(Isa isa, std::string& why_not) {
  if (isa != Isa::kRef && min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("com.wisp", "Attention", DType::kF32, isa);
  if (isa != Isa::kRef && fn == find_kernel("com.wisp", "Attention", DType::kF32, Isa::kRef)) {
    why_not = "no Attention kernel for this ISA in this build";
    return nullptr;
  }
  return fn;
}

TEST(AttentionRef, MatchesHandComputedValues) {
  // One batch entry, Sq 2, Sk 2, D 1, Dv 2, scale 0.5, mask [[0, -1], [0, 0]]:
  // scores row 0 = 0.5 * [1*2, 1*4] + [0, -1] = [1, 1] -> p = [0.5, 0.5];
  // row 1 = 0.5 * [-2*2, -2*4] = [-2, -4] -> p = [1, e^-2] / (1 + e^-2).
  Tensor q(DType::kF32, Shape{2, 1}), kt(DType::kF32, Shape{1, 2}), v(DType::kF32, Shape{2, 2}), m(DType::kF32, Shape{2, 2});
  const float qd[] = {1, -2}, kd[] = {2, 4}, vd[] = {1, 10, 3, 20}, md[] = {0, -1, 0, 0};
  std::memcpy(q.data(), qd, sizeof qd);
  std::memcpy(kt.data(), kd, sizeof kd);
  std::memcpy(v.data(), vd, sizeof vd);
  std::memcpy(m.data(), md, sizeof md);
  std::string why;
  const AttentionCall call({&q, &kt, &v, &m}, 0.5f, true, Isa::kRef, 1);
  const Tensor y = call.run(attention_kernel(Isa::kRef, why), {&q, &kt, &v, &m}, nullptr);
  ASSERT_EQ(y.shape(), (Shape{2, 2}));
  const double p1 = 1 / (1 + std::exp(-2.0)), p2 = 1 - p1;
  EXPECT_NEAR(y.as<float>()[0], 2.0, 1e-6);
  EXPECT_NEAR(y.as<float>()[1], 15.0, 1e-6);
  EXPECT_NEAR(y.as<float>()[2], p1 * 1 + p2 * 3, 1e-6);
  EXPECT_NEAR(y.as<float>()[3], p1 * 10 + p2 * 20, 1e-5);
}

TEST(AttentionRef, RejectsShapesThatDoNotChain) {
  Tensor q(DType::kF32, Shape{2, 3, 8}), kt(DType::kF32, Shape{2, 4, 5}), v(DType::kF32, Shape{2, 5, 8});
  EXPECT_THROW(AttentionCall({&q, &kt, &v}, 1.0f, true, Isa::kRef, 1), Error);  // D 8 vs 4
  Tensor kt2(DType::kF32, Shape{2, 8, 5}), m(DType::kF32, Shape{3, 4});
  EXPECT_THROW(AttentionCall({&q, &kt2, &v, &m}, 1.0f, true, Isa::kRef, 1), Error);  // mask [3, 4] vs [3, 5]
}

class AttentionSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(AttentionSimd, MatchesReferenceAtEdgeSizes) {
  std::string why;
  KernelFn fn = attention_kernel(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = attention_kernel(Isa::kRef, why);
  ThreadPool pool2(2), pool3(3);
  uint32_t seed = 1;
  for (int64_t s : {1, 7, 16, 17, 128})
    for (int64_t d : {8, 32, 64})
      for (int variant = 0; variant < 3; ++variant) {
        // 0: [2, 3, S, D] with K^T and a [2, 1, S, S] mask; 1: [3, S, D] with K and no
        // mask; 2: [2, 2, S, D] with K^T, a key mask [S] (one row for all) and Sq != Sk.
        const int64_t sq = variant == 2 ? s + 3 : s;
        const Shape qs = variant == 1 ? Shape{3, sq, d} : Shape{2, variant == 2 ? 2 : 3, sq, d};
        Shape ks = qs, vs = qs;
        ks[ks.rank() - 2] = variant == 1 ? s : d;
        ks[ks.rank() - 1] = variant == 1 ? d : s;
        vs[vs.rank() - 2] = s;
        const Tensor q = test::random_f32(qs, seed++, -2, 2);
        const Tensor k = test::random_f32(ks, seed++, -2, 2);
        const Tensor v = test::random_f32(vs, seed++, -2, 2);
        const Tensor m = test::random_f32(variant == 0 ? Shape{2, 1, sq, s} : Shape{s}, seed++, -3, 0);
        const std::vector<const Tensor*> ins = {&q, &k, &v, variant == 1 ? nullptr : &m};
        const float scale = 1.0f / std::sqrt(static_cast<float>(d));
        SCOPED_TRACE(testing::Message() << "S " << s << " D " << d << " variant " << variant);
        const Tensor want = AttentionCall(ins, scale, variant != 1, Isa::kRef, 1).run(ref_fn, ins, nullptr);
        const AttentionCall call1(ins, scale, variant != 1, GetParam(), 1);
        const Tensor got = call1.run(fn, ins, nullptr);
        ASSERT_TRUE(test::tensors_near(got, want, 1e-5, 2e-6));
        for (ThreadPool* pool : {&pool2, &pool3}) {
          const Tensor again = AttentionCall(ins, scale, variant != 1, GetParam(), pool->threads()).run(fn, ins, pool);
          ASSERT_TRUE(test::same_bits(again, got)) << pool->threads() << " threads";
        }
      }
}

TEST_P(AttentionSimd, MinusInfinityMaskAndFewerSlotsThanThreads) {
  std::string why;
  KernelFn fn = attention_kernel(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = attention_kernel(Isa::kRef, why);
  // A causal mask (-inf above the diagonal): row i attends to keys 0..i only.
  const int64_t s = 37, d = 16;
  const Tensor q = test::random_f32(Shape{1, 2, s, d}, 3, -2, 2);
  const Tensor kt = test::random_f32(Shape{1, 2, d, s}, 4, -2, 2);
  const Tensor v = test::random_f32(Shape{1, 2, s, d}, 5, -2, 2);
  Tensor m(DType::kF32, Shape{s, s});
  for (int64_t i = 0; i < s; ++i)
    for (int64_t j = 0; j < s; ++j) m.as<float>()[i * s + j] = j <= i ? 0.0f : -std::numeric_limits<float>::infinity();
  const std::vector<const Tensor*> ins = {&q, &kt, &v, &m};
  const Tensor want = AttentionCall(ins, 0.25f, true, Isa::kRef, 1).run(ref_fn, ins, nullptr);
  // Row 0 sees only key 0: its output is V's row 0 exactly.
  for (int64_t e = 0; e < d; ++e) EXPECT_NEAR(want.as<float>()[e], v.as<float>()[e], 1e-6);
  // Scratch planned for 1 thread, run with 3: the kernel uses the slots it has.
  ThreadPool pool3(3);
  const Tensor got = AttentionCall(ins, 0.25f, true, GetParam(), 1).run(fn, ins, &pool3);
  EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 2e-6));
}

TEST_P(AttentionSimd, LongKeySequenceUsesSmallerRowBlocks) {
  std::string why;
  KernelFn fn = attention_kernel(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = attention_kernel(Isa::kRef, why);
  // Sk 2500 > 2048: blocks of 24 query rows (kernels/attention_blocking.hpp), 50 rows = 24 +
  // 24 + 2; Sk past the GEMM's 256-deep K steps in the second product.
  ASSERT_EQ(attention_block_rows(2500), 24);
  const Tensor q = test::random_f32(Shape{2, 50, 8}, 7, -2, 2);
  const Tensor k = test::random_f32(Shape{2, 2500, 8}, 8, -2, 2);
  const Tensor v = test::random_f32(Shape{1, 2500, 12}, 9, -2, 2);  // broadcast over the batch
  const std::vector<const Tensor*> ins = {&q, &k, &v};
  const Tensor want = AttentionCall(ins, 0.3f, false, Isa::kRef, 1).run(ref_fn, ins, nullptr);
  ThreadPool pool2(2);
  const Tensor got = AttentionCall(ins, 0.3f, false, GetParam(), 1).run(fn, ins, nullptr);
  EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 2e-6));
  const Tensor got2 = AttentionCall(ins, 0.3f, false, GetParam(), 2).run(fn, ins, &pool2);
  EXPECT_TRUE(test::same_bits(got2, got));
}

TEST_P(AttentionSimd, EmptySequencesGiveEmptyOrZeroOutputs) {
  std::string why;
  KernelFn fn = attention_kernel(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = attention_kernel(Isa::kRef, why);
  for (int64_t sq : {0, 3})
    for (int64_t sk : {0, 5}) {
      SCOPED_TRACE(testing::Message() << "Sq " << sq << " Sk " << sk);
      const Tensor q = test::random_f32(Shape{2, sq, 8}, 31), k = test::random_f32(Shape{2, sk, 8}, 32),
                   v = test::random_f32(Shape{2, sk, 4}, 33);
      const std::vector<const Tensor*> ins = {&q, &k, &v};
      const Tensor want = AttentionCall(ins, 1.0f, false, Isa::kRef, 1).run(ref_fn, ins, nullptr);
      const Tensor got = AttentionCall(ins, 1.0f, false, GetParam(), 2).run(fn, ins, nullptr);
      ASSERT_EQ(got.shape(), (Shape{2, sq, 4}));
      EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 2e-6));
      if (sk == 0) {  // softmax over no keys: an empty sum
        for (int64_t i = 0; i < got.numel(); ++i) EXPECT_EQ(got.as<float>()[i], 0.0f);
      }
    }
}

// x [a, b, c] transposed to [b, a, c] (perm [1, 0, 2]) or [b, c, a] (perm [1, 2, 0]).
Tensor transposed(const Tensor& x, bool to_bca) {
  const Shape& s = x.shape();
  const int64_t a = s[0], b = s[1], c = s[2];
  Tensor y(DType::kF32, to_bca ? Shape{b, c, a} : Shape{b, a, c});
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t k = 0; k < c; ++k)
        y.as<float>()[to_bca ? (j * c + k) * a + i : (j * a + i) * c + k] = x.as<float>()[(i * b + j) * c + k];
  return y;
}

TEST_P(AttentionSimd, HeadPermutationsReadAndWriteThroughStrides) {
  // The zoo's layout: q, k, v [S, H, D] read as Q = q^[1, 0, 2], K^T = k^[1, 2, 0], V =
  // v^[1, 0, 2]; the result written as Y^[1, 0, 2] = [S, H, Dv]. Checked against the
  // reference on the explicitly transposed tensors (no perms), so the strides are tested
  // against plain copies, not against themselves.
  std::string why;
  KernelFn fn = attention_kernel(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = attention_kernel(Isa::kRef, why);
  Attributes perms;
  perms.set_ints("q_perm", {1, 0, 2});
  perms.set_ints("k_perm", {1, 2, 0});
  perms.set_ints("v_perm", {1, 0, 2});
  perms.set_ints("y_perm", {1, 0, 2});
  ThreadPool pool3(3);
  for (int64_t s : {1, 17, 128}) {
    SCOPED_TRACE(testing::Message() << "S " << s);
    const Tensor q = test::random_f32(Shape{s, 4, 32}, 21, -2, 2), k = test::random_f32(Shape{s, 4, 32}, 22, -2, 2),
                 v = test::random_f32(Shape{s, 4, 32}, 23, -2, 2);
    const Tensor qt = transposed(q, false), kt = transposed(k, true), vt = transposed(v, false);
    const std::vector<const Tensor*> plain = {&qt, &kt, &vt}, given = {&q, &k, &v};
    const Tensor want = transposed(AttentionCall(plain, 0.2f, true, Isa::kRef, 1).run(ref_fn, plain, nullptr), false);
    const AttentionCall ref_call(given, 0.2f, true, Isa::kRef, 1, perms);
    ASSERT_EQ(ref_call.out_shape, (Shape{s, 4, 32}));
    EXPECT_TRUE(test::same_bits(ref_call.run(ref_fn, given, nullptr), want));
    const Tensor got = AttentionCall(given, 0.2f, true, GetParam(), 1, perms).run(fn, given, nullptr);
    EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 2e-6));
    const Tensor got3 = AttentionCall(given, 0.2f, true, GetParam(), 3, perms).run(fn, given, &pool3);
    EXPECT_TRUE(test::same_bits(got3, got));
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, AttentionSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);

}  // namespace
}  // namespace wisp
