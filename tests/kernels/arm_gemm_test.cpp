// The NEON float32 Gemm/MatMul (src/kernels/arm/gemm_f32_neon.cpp, 8x12 tile) against the
// reference kernels at tile edges: M around 4 (vector) and 8 (tile rows), N around 4 and 12
// (tile columns), K past one KC block (256), N past one NC block (240), M past one MC block
// (96); transposes, alpha/beta, every bias broadcast, fused activations, cached packed
// weights, the 1/4/8-row microkernels agreeing bit for bit, and bit-identical results for
// 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <cstring>
#include <tuple>

#include "kernels/arm/gemm_f32_neon.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "kernels/ref/matmul.hpp"
#include "kernels/arm_kernel_test_util.hpp"

namespace wisp {
namespace {

using test::call_kernel1;

TEST(ArmGemm, GemmMatchesReferenceAtTileEdges) {
  KernelFn fn = test::neon_kernel("Gemm"), ref_fn = test::ref_kernel("Gemm");
  const int64_t sizes[] = {1, 3, 4, 5, 8, 9, 12, 13, 25};
  int combo = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : {1, 4, 7, 16, 33}) {
        ++combo;
        ref::GemmParams p;
        p.m = m, p.n = n, p.k = k;
        p.trans_a = combo % 2, p.trans_b = (combo / 2) % 2;
        p.alpha = combo % 3 == 0 ? 1.0f : -0.75f;
        const int bias_kind = combo % 5;  // none, [N], [M,1], [1], [M,N]
        Shape cs = bias_kind == 1 ? Shape{n} : bias_kind == 2 ? Shape{m, 1} : bias_kind == 3 ? Shape{1} : Shape{m, n};
        p.has_c = bias_kind != 0;
        p.beta = bias_kind == 4 ? 0.5f : 1.0f;
        p.c_row_stride = bias_kind == 2 ? 1 : bias_kind == 4 ? n : 0;
        p.c_col_stride = (bias_kind == 1 || bias_kind == 4) ? 1 : 0;
        Tensor a = test::random_f32(p.trans_a ? Shape{k, m} : Shape{m, k}, combo);
        Tensor b = test::random_f32(p.trans_b ? Shape{n, k} : Shape{k, n}, combo + 7);
        Tensor c = test::random_f32(cs, combo + 13);
        const Tensor* cp = p.has_c ? &c : nullptr;
        Tensor want = call_kernel1(ref_fn, &p, {&a, &b, cp}, Shape{m, n});
        Tensor got = call_kernel1(fn, &p, {&a, &b, cp}, Shape{m, n});
        ref::GemmParams pa = p;
        pa.alpha = std::fabs(p.alpha), pa.beta = std::fabs(p.beta);
        Tensor aa = test::abs_of(a), ba = test::abs_of(b), ca = test::abs_of(c);
        Tensor scale = call_kernel1(ref_fn, &pa, {&aa, &ba, p.has_c ? &ca : nullptr}, Shape{m, n});
        ASSERT_TRUE(test::close_to(got, want, scale, k))
            << "M=" << m << " N=" << n << " K=" << k << " transA=" << p.trans_a << " transB=" << p.trans_b
            << " bias kind " << bias_kind;
      }
}

TEST(ArmGemm, GemmPastTheCacheBlocks) {
  KernelFn fn = test::neon_kernel("Gemm"), ref_fn = test::ref_kernel("Gemm");
  // K = 300 (two KC steps), N = 250 (two NC blocks, a 10-column last panel), M = 101
  // (two MC blocks, a 5-row last sliver); and K = 0 (C is alpha * 0 + bias).
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{101, 250, 300}, {9, 13, 0}}) {
    ref::GemmParams p;
    p.m = m, p.n = n, p.k = k;
    p.has_c = true, p.c_col_stride = 1;
    Tensor a = test::random_f32(Shape{m, k}, 1), b = test::random_f32(Shape{k, n}, 2), c = test::random_f32(Shape{n}, 3);
    Tensor want = call_kernel1(ref_fn, &p, {&a, &b, &c}, Shape{m, n});
    Tensor aa = test::abs_of(a), ba = test::abs_of(b), ca = test::abs_of(c);
    Tensor scale = call_kernel1(ref_fn, &p, {&aa, &ba, &ca}, Shape{m, n});
    EXPECT_TRUE(test::close_to(call_kernel1(fn, &p, {&a, &b, &c}, Shape{m, n}), want, scale, k)) << m << "x" << n << "x" << k;
  }
}

// Fused activations ride in GemmParams::epilogue and run after the bias, as in the reference.
TEST(ArmGemm, GemmAppliesTheFusedActivation) {
  KernelFn fn = test::neon_kernel("Gemm"), ref_fn = test::ref_kernel("Gemm");
  const ref::Epilogue epilogues[] = {{ref::EpilogueAct::kRelu, 0, 0},          {ref::EpilogueAct::kClip, 0.0f, 6.0f},
                                     {ref::EpilogueAct::kLeakyRelu, 0.1f, 0},  {ref::EpilogueAct::kHardSwish, 1.0f / 6, 0.5f},
                                     {ref::EpilogueAct::kHardSigmoid, 0.2f, 0.5f}, {ref::EpilogueAct::kSigmoid, 0, 0},
                                     {ref::EpilogueAct::kTanh, 0, 0}};
  int seed = 0;
  for (const ref::Epilogue& e : epilogues) {
    for (int64_t mnk : {7, 33}) {
      ref::GemmParams p;
      p.m = mnk, p.n = mnk + 2, p.k = mnk;
      p.trans_b = true;
      p.has_c = true, p.c_col_stride = 1;
      p.epilogue = e;
      Tensor a = test::random_f32(Shape{p.m, p.k}, ++seed, -2, 2), b = test::random_f32(Shape{p.n, p.k}, ++seed, -2, 2);
      Tensor c = test::random_f32(Shape{p.n}, ++seed);
      Tensor want = call_kernel1(ref_fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
      Tensor got = call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
      int64_t changed = 0;  // elements the activation moved: proves it ran
      ref::GemmParams plain = p;
      plain.epilogue = {};
      Tensor linear = call_kernel1(ref_fn, &plain, {&a, &b, &c}, Shape{p.m, p.n});
      for (int64_t i = 0; i < want.numel(); ++i) {
        ASSERT_NEAR(got.as<float>()[i], want.as<float>()[i], 1e-4) << "activation " << int(e.act) << " element " << i;
        changed += want.as<float>()[i] != linear.as<float>()[i];
      }
      EXPECT_GT(changed, 0) << "activation " << int(e.act);
    }
  }
}

TEST(ArmGemm, MatMulBatchesBroadcastAndCachedWeights) {
  KernelFn fn = test::neon_kernel("MatMul"), ref_fn = test::ref_kernel("MatMul");
  // [3, M, K] x [K, N] (folded into one GEMM, B packed once) and [3, M, K] x [3, K, N].
  for (int shared_b = 0; shared_b < 2; ++shared_b)
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{5, 13, 17}, {9, 250, 260}, {1, 7, 3}}) {
      ref::MatMulParams p;
      p.m = m, p.n = n, p.k = k;
      p.batch_rank = 1;
      p.batch[0] = 3;
      p.batch_count = 3;
      p.a_batch_stride[0] = m * k;
      p.b_batch_stride[0] = shared_b ? 0 : k * n;
      p.b_constant = shared_b;
      Tensor a = test::random_f32(Shape{3, m, k}, 1), b = test::random_f32(shared_b ? Shape{k, n} : Shape{3, k, n}, 2);
      Tensor want = call_kernel1(ref_fn, &p, {&a, &b}, Shape{3, m, n});
      Tensor aa = test::abs_of(a), ba = test::abs_of(b);
      Tensor scale = call_kernel1(ref_fn, &p, {&aa, &ba}, Shape{3, m, n});
      EXPECT_TRUE(test::close_to(call_kernel1(fn, &p, {&a, &b}, Shape{3, m, n}), want, scale, k)) << m << "x" << n << "x" << k;
      if (shared_b) {
        ASSERT_NE(p.packed_b, nullptr) << "a constant B is packed once and kept";
        EXPECT_EQ(p.packed_b->isa, Isa::kNeon);
        const float* packed = p.packed_b->data;
        EXPECT_TRUE(test::close_to(call_kernel1(fn, &p, {&a, &b}, Shape{3, m, n}), want, scale, k));
        EXPECT_EQ(p.packed_b->data, packed) << "the second run reuses the packing";
        Tensor b2 = test::random_f32(Shape{k, n}, 3);  // another buffer: not served from the stale packing
        Tensor want2 = call_kernel1(ref_fn, &p, {&a, &b2}, Shape{3, m, n});
        Tensor b2a = test::abs_of(b2);
        Tensor scale2 = call_kernel1(ref_fn, &p, {&aa, &b2a}, Shape{3, m, n});
        EXPECT_TRUE(test::close_to(call_kernel1(fn, &p, {&a, &b2}, Shape{3, m, n}), want2, scale2, k));
      } else {
        EXPECT_EQ(p.packed_b, nullptr) << "a runtime B is not cached";
      }
    }
}

TEST(ArmGemm, PackedBLayout) {
  // B 2 x 14 -> two 12-column panels, the second zero-padded past column 14.
  Tensor b = test::random_f32(Shape{2, 14}, 9);
  std::vector<float> packed(static_cast<size_t>(arm::packed_b_size_f32_neon(2, 14)), -1.0f);
  ASSERT_EQ(packed.size(), 48u);
  arm::pack_b_f32_neon(2, 14, b.as<float>(), 14, 1, packed.data());
  const float* bv = b.as<float>();
  EXPECT_EQ(packed[0], bv[0]);
  EXPECT_EQ(packed[11], bv[11]);
  EXPECT_EQ(packed[12], bv[14]);       // panel 0, k = 1
  EXPECT_EQ(packed[24], bv[12]);       // panel 1, k = 0, column 12
  EXPECT_EQ(packed[25], bv[13]);
  EXPECT_EQ(packed[26], 0.0f);         // padding
  EXPECT_EQ(packed[36 + 1], bv[14 + 13]);  // panel 1, k = 1, column 13
  EXPECT_EQ(packed[47], 0.0f);
}

// Slivers of 1, 2-4 and 5-8 rows use the 1-, 4- and 8-row microkernels; each row must
// come out bit for bit the same whichever computed it (thread counts move sliver edges).
TEST(ArmGemm, RowKernelsAgreeBitForBit) {
  KernelFn fn = test::neon_kernel("Gemm");
  const int64_t m = 13, n = 29, k = 300;  // rows 0-7 (8-row), 8-12 (8-row, 5 live); two K blocks
  ref::GemmParams p;
  p.m = m, p.n = n, p.k = k;
  Tensor a = test::random_f32(Shape{m, k}, 11), b = test::random_f32(Shape{k, n}, 12);
  Tensor all = call_kernel1(fn, &p, {&a, &b}, Shape{m, n});
  for (int64_t rows : {1, 3}) {  // the 1-row and 4-row kernels
    for (int64_t i0 = 0; i0 + rows <= m; i0 += rows) {
      ref::GemmParams q = p;
      q.m = rows;
      Tensor part(DType::kF32, Shape{rows, k});
      std::memcpy(part.data(), a.as<float>() + i0 * k, static_cast<size_t>(rows * k) * sizeof(float));
      Tensor got = call_kernel1(fn, &q, {&part, &b}, Shape{rows, n});
      ASSERT_EQ(std::memcmp(got.data(), all.as<float>() + i0 * n, static_cast<size_t>(rows * n) * sizeof(float)), 0)
          << rows << " rows from row " << i0;
    }
  }
}

TEST(ArmGemm, BitIdenticalForAnyThreadCount) {
  KernelFn fn = test::neon_kernel("Gemm");
  ref::GemmParams p;
  p.m = 150, p.n = 500, p.k = 300;  // several MC x NC units and two K blocks
  p.has_c = true, p.c_col_stride = 1;
  p.epilogue = {ref::EpilogueAct::kSigmoid, 0, 0};
  Tensor a = test::random_f32(Shape{p.m, p.k}, 4), b = test::random_f32(Shape{p.k, p.n}, 5), c = test::random_f32(Shape{p.n}, 6);
  Tensor one = call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    EXPECT_TRUE(test::same_bits(one, call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n}, &pool))) << threads << " threads";
  }
}

}  // namespace
}  // namespace wisp
