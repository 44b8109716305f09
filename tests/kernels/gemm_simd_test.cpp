// The x86 float32 MatMul/Gemm kernels against the reference kernels at tile-edge sizes
// (below, at and above the 6x16 / 8x32 tiles, the KC/MC/NC blocks), with transposes,
// alpha/beta and every bias broadcast; and bit-identical results at any thread count.
// Variants the CPU (or build) lacks are skipped with the reason.
#include <gtest/gtest.h>

#include "test_util/op_test_util.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "kernels/ref/matmul.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using test::call_kernel1;

// |got - want| <= 1e-6 * (K + 1) * (sum_k |alpha a b| + |beta c|) + 1e-6: float rounding
// in any summation order; a wrong or missing term is far larger.
::testing::AssertionResult close(const Tensor& got, const Tensor& want, const Tensor& scale, int64_t k) {
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.as<float>()[i], w = want.as<float>()[i];
    const double tol = 1e-6 * double(k + 1) * scale.as<float>()[i] + 1e-6;
    if (!(std::fabs(g - w) <= tol))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w << " (tol " << tol
                                           << ")";
  }
  return ::testing::AssertionSuccess();
}

// The kernel registered for exactly `isa`, or a skip reason.
KernelFn variant(const char* op, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("", op, DType::kF32, isa), below = find_kernel("", op, DType::kF32, Isa::kPortable);
  if (fn == below) {
    why_not = std::string("no ") + op + " kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

class GemmSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(GemmSimd, GemmMatchesReferenceAtTileEdges) {
  std::string why;
  KernelFn fn = variant("Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Gemm", DType::kF32, Isa::kRef);
  const int64_t sizes[] = {1, 2, 5, 6, 7, 15, 16, 17, 31, 32, 33, 64, 100};
  int combo = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : sizes) {
        ++combo;
        ref::GemmParams p;
        p.m = m, p.n = n, p.k = k;
        p.trans_a = combo % 2, p.trans_b = (combo / 2) % 2;
        p.alpha = combo % 3 == 0 ? 1.0f : -0.75f;
        // Bias: none, [N], [M,1], [1], [M,N] in turn.
        const int bias_kind = combo % 5;
        Shape cs = bias_kind == 1 ? Shape{n} : bias_kind == 2 ? Shape{m, 1} : bias_kind == 3 ? Shape{1} : Shape{m, n};
        p.has_c = bias_kind != 0;
        p.beta = bias_kind == 4 ? 0.5f : 1.0f;
        p.c_row_stride = (bias_kind == 2 || bias_kind == 4) ? (bias_kind == 4 ? n : 1) : 0;
        p.c_col_stride = (bias_kind == 1 || bias_kind == 4) ? 1 : 0;
        Tensor a = test::random_f32(p.trans_a ? Shape{k, m} : Shape{m, k}, combo);
        Tensor b = test::random_f32(p.trans_b ? Shape{n, k} : Shape{k, n}, combo + 7);
        Tensor c = test::random_f32(cs, combo + 13);
        const Tensor* cp = p.has_c ? &c : nullptr;
        Tensor want = call_kernel1(ref_fn, &p, {&a, &b, cp}, Shape{m, n});
        Tensor got = call_kernel1(fn, &p, {&a, &b, cp}, Shape{m, n});
        // Error scale: the same Gemm on absolute values.
        Tensor aa = a, ba = b, ca = c;
        aa = Tensor::copy_of(a.view()), ba = Tensor::copy_of(b.view()), ca = Tensor::copy_of(c.view());
        for (Tensor* t : {&aa, &ba, &ca})
          for (int64_t i = 0; i < t->numel(); ++i) t->as<float>()[i] = std::fabs(t->as<float>()[i]);
        ref::GemmParams pa = p;
        pa.alpha = std::fabs(p.alpha), pa.beta = std::fabs(p.beta);
        Tensor scale = call_kernel1(ref_fn, &pa, {&aa, &ba, p.has_c ? &ca : nullptr}, Shape{m, n});
        ASSERT_TRUE(close(got, want, scale, k)) << "M=" << m << " N=" << n << " K=" << k << " transA=" << p.trans_a
                                                << " transB=" << p.trans_b << " bias kind " << bias_kind;
      }
}

// Fused activations (src/passes/activation_fusion.cpp) ride in GemmParams::epilogue:
// every variant must apply them after the bias, exactly as the reference does.
TEST_P(GemmSimd, GemmAppliesTheFusedActivation) {
  std::string why;
  KernelFn fn = variant("Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Gemm", DType::kF32, Isa::kRef);
  const ref::Epilogue epilogues[] = {{ref::EpilogueAct::kRelu, 0, 0},
                                     {ref::EpilogueAct::kClip, 0.0f, 6.0f},
                                     {ref::EpilogueAct::kLeakyRelu, 0.1f, 0},
                                     {ref::EpilogueAct::kHardSwish, 1.0f / 6.0f, 0.5f},
                                     {ref::EpilogueAct::kSigmoid, 0, 0},
                                     {ref::EpilogueAct::kHardSigmoid, 0.2f, 0.5f},
                                     {ref::EpilogueAct::kTanh, 0, 0},
                                     {ref::EpilogueAct::kSilu, 0, 0},
                                     {ref::EpilogueAct::kGelu, 0, 0},
                                     {ref::EpilogueAct::kGeluTanh, 0, 0}};
  int seed = 0;
  for (const ref::Epilogue& e : epilogues) {
    for (int64_t mnk : {7, 33}) {
      ref::GemmParams p;
      p.m = mnk, p.n = mnk + 2, p.k = mnk;
      p.trans_b = true;
      p.has_c = true, p.c_row_stride = 0, p.c_col_stride = 1;
      p.epilogue = e;
      Tensor a = test::random_f32(Shape{p.m, p.k}, ++seed), b = test::random_f32(Shape{p.n, p.k}, ++seed);
      Tensor c = test::random_f32(Shape{p.n}, ++seed);
      Tensor want = call_kernel1(ref_fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
      Tensor got = call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
      int64_t negatives = 0;
      for (int64_t i = 0; i < want.numel(); ++i) {
        ASSERT_NEAR(got.as<float>()[i], want.as<float>()[i], 1e-4) << "activation " << int(e.act) << " element " << i;
        negatives += want.as<float>()[i] < 0;
      }
      if (e.act == ref::EpilogueAct::kRelu) {
        EXPECT_EQ(negatives, 0);  // the activation really ran
      }
    }
  }
}

TEST_P(GemmSimd, MatMulBatchesBroadcastAndCachedWeights) {
  std::string why;
  KernelFn fn = variant("MatMul", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "MatMul", DType::kF32, Isa::kRef);
  // [3, M, K] x [K, N] (folded into one GEMM), and [3, M, K] x [3, K, N] (per batch),
  // with K past one KC block and N past one NC block.
  for (int64_t shared_b = 0; shared_b < 2; ++shared_b)
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{5, 33, 17}, {13, 300, 300}, {1, 7, 513}}) {
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
      Tensor abs_a = Tensor::copy_of(a.view()), abs_b = Tensor::copy_of(b.view());
      for (Tensor* t : {&abs_a, &abs_b})
        for (int64_t i = 0; i < t->numel(); ++i) t->as<float>()[i] = std::fabs(t->as<float>()[i]);
      Tensor scale = call_kernel1(ref_fn, &p, {&abs_a, &abs_b}, Shape{3, m, n});
      EXPECT_TRUE(close(call_kernel1(fn, &p, {&a, &b}, Shape{3, m, n}), want, scale, k)) << m << "x" << n << "x" << k;
      if (shared_b) {
        ASSERT_NE(p.packed_b, nullptr) << "a constant B is packed once and kept";
        const float* packed = p.packed_b->data;
        EXPECT_TRUE(close(call_kernel1(fn, &p, {&a, &b}, Shape{3, m, n}), want, scale, k));
        EXPECT_EQ(p.packed_b->data, packed) << "the second run reuses the packing";
        // A different B (another buffer) must not be served from the stale packing.
        Tensor b2 = test::random_f32(Shape{k, n}, 3);
        Tensor want2 = call_kernel1(ref_fn, &p, {&a, &b2}, Shape{3, m, n});
        EXPECT_TRUE(close(call_kernel1(fn, &p, {&a, &b2}, Shape{3, m, n}), want2, scale, k));
      }
    }
}

TEST_P(GemmSimd, BitIdenticalForAnyThreadCount) {
  std::string why;
  KernelFn fn = variant("Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ref::GemmParams p;
  p.m = 200, p.n = 600, p.k = 300;  // several MC x NC units and K blocks
  p.has_c = true;
  p.c_col_stride = 1;
  Tensor a = test::random_f32(Shape{p.m, p.k}, 4), b = test::random_f32(Shape{p.k, p.n}, 5), c = test::random_f32(Shape{p.n}, 6);
  Tensor one = call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n});
  for (int threads : {2, 3, 4}) {
    ThreadPool pool(threads);
    Tensor many = call_kernel1(fn, &p, {&a, &b, &c}, Shape{p.m, p.n}, &pool);
    EXPECT_EQ(std::memcmp(one.data(), many.data(), static_cast<size_t>(one.bytes())), 0) << threads << " threads";
  }
}

// Batched MatMul (attention's QK^T / AV): batches split over threads when there are at
// least as many batches as threads, else each GEMM is; both must give the serial bits and
// the reference's values. B per batch, and B broadcast over the inner batch dim ([2, 1, K, N]).
TEST_P(GemmSimd, BatchedMatMulBitIdenticalForAnyThreadCount) {
  std::string why;
  KernelFn fn = variant("MatMul", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "MatMul", DType::kF32, Isa::kRef);
  for (int64_t heads : {1, 3, 4}) {
    for (bool broadcast : {false, true}) {
      SCOPED_TRACE(std::to_string(heads) + (broadcast ? " heads, broadcast B" : " heads"));
      ref::MatMulParams p;
      p.m = 37, p.n = 45, p.k = 70;
      p.batch_rank = 2;
      p.batch[0] = 2, p.batch[1] = heads;
      p.batch_count = 2 * heads;
      p.a_batch_stride[0] = heads * p.m * p.k, p.a_batch_stride[1] = p.m * p.k;
      p.b_batch_stride[0] = (broadcast ? 1 : heads) * p.k * p.n, p.b_batch_stride[1] = broadcast ? 0 : p.k * p.n;
      Tensor a = test::random_f32(Shape{2, heads, p.m, p.k}, 7);
      Tensor b = test::random_f32(Shape{2, broadcast ? 1 : heads, p.k, p.n}, 8);
      const Shape out{2, heads, p.m, p.n};
      Tensor want = call_kernel1(ref_fn, &p, {&a, &b}, out);
      Tensor one = call_kernel1(fn, &p, {&a, &b}, out);
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(one.as<float>()[i], want.as<float>()[i], 1e-4 * (1 + std::fabs(want.as<float>()[i]))) << i;
      for (int threads : {2, 3, 5}) {
        ThreadPool pool(threads);
        Tensor many = call_kernel1(fn, &p, {&a, &b}, out, &pool);
        EXPECT_EQ(std::memcmp(one.data(), many.data(), static_cast<size_t>(one.bytes())), 0) << threads << " threads";
      }
    }
  }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
