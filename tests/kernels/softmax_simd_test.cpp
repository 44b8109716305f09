// The x86 float32 Softmax and LayerNormalization kernels against the reference kernels:
// row lengths below, at and above the 8 / 16 lane widths, the last axis and strided axes,
// extreme inputs (large magnitudes, -inf), and bit-identical results for 1, 2, 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/ref/normalization.hpp"
#include "kernels/ref/softmax.hpp"
#include "simd_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

class SoftmaxSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(SoftmaxSimd, MatchesReferenceOnEveryAxisAndLength) {
  std::string why;
  KernelFn fn = test::simd_variant("Softmax", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Softmax", DType::kF32, Isa::kRef);
  uint32_t seed = 1;
  for (int64_t n : {1, 2, 7, 8, 9, 15, 16, 17, 33, 100})
    for (int64_t inner : {1, 3, 8, 16, 21})
      for (int64_t outer : {1, 4}) {
        ref::SoftmaxParams p;
        p.outer = outer, p.axis_dim = n, p.inner = inner;
        const Shape s{outer, n, inner};
        Tensor x = test::random_f32(s, seed++, -20, 20);
        const Tensor want = test::call_kernel(ref_fn, &p, {&x}, {s})[0];
        const Tensor got = test::call_kernel(fn, &p, {&x}, {s})[0];
        // x - max is rounded to float (the reference works in double): for |x - max| ~ 40
        // that is ~2e-6 relative in exp, plus exp's own few ulp.
        ASSERT_TRUE(test::tensors_near(got, want, 1e-5, 1e-30)) << "n " << n << " inner " << inner << " outer " << outer;
      }
}

TEST_P(SoftmaxSimd, HandlesLargeValuesAndMinusInfinity) {
  std::string why;
  KernelFn fn = test::simd_variant("Softmax", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  const float inf = std::numeric_limits<float>::infinity();
  ref::SoftmaxParams p;
  p.outer = 1, p.axis_dim = 19;
  Tensor x = test::random_f32(Shape{19}, 5, -1, 1);
  x.as<float>()[0] = 1e30f;  // dominates: 1 there, 0 elsewhere
  x.as<float>()[3] = -inf;
  x.as<float>()[18] = 88.0f;
  const Tensor y = test::call_kernel(fn, &p, {&x}, {Shape{19}})[0];
  EXPECT_EQ(y.as<float>()[0], 1.0f);
  for (int i = 1; i < 19; ++i) EXPECT_EQ(y.as<float>()[i], 0.0f) << i;
  // In place (y is x), as the planner may arrange.
  Tensor z = test::random_f32(Shape{2, 37}, 6, -3, 3);
  p.outer = 2, p.axis_dim = 37;
  KernelFn ref_fn = find_kernel("", "Softmax", DType::kF32, Isa::kRef);
  const Tensor want = test::call_kernel(ref_fn, &p, {&z}, {Shape{2, 37}})[0];
  TensorView zv = z.view();
  const TensorView* in_ptr = &zv;
  TensorView* out_ptr = &zv;
  KernelArgs args{nullptr, &p, {&in_ptr, 1}, {&out_ptr, 1}, nullptr, 0, nullptr, nullptr};
  fn(args);
  EXPECT_TRUE(test::tensors_near(z, want, 2e-6, 1e-30));
}

TEST_P(SoftmaxSimd, SameBitsForOneTwoAndThreeThreads) {
  std::string why;
  KernelFn fn = test::simd_variant("Softmax", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool two(2), three(3);
  for (int64_t inner : {1, 5}) {
    ref::SoftmaxParams p;
    p.outer = 67, p.axis_dim = 301, p.inner = inner;  // above the threading threshold
    const Shape s{p.outer, p.axis_dim, inner};
    Tensor x = test::random_f32(s, 9, -5, 5);
    const Tensor one = test::call_kernel(fn, &p, {&x}, {s})[0];
    for (ThreadPool* pool : {&two, &three}) EXPECT_TRUE(test::same_bits(one, test::call_kernel(fn, &p, {&x}, {s}, pool)[0]));
  }
}

class LayerNormSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(LayerNormSimd, MatchesReferenceWithAndWithoutBias) {
  std::string why;
  KernelFn fn = test::simd_variant("LayerNormalization", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "LayerNormalization", DType::kF32, Isa::kRef);
  uint32_t seed = 1;
  for (int64_t n : {1, 2, 7, 8, 9, 15, 16, 17, 33, 256, 257})
    for (bool bias : {false, true}) {
      ref::LayerNormParams p;
      p.outer = 5, p.block = n, p.scale_numel = n, p.bias_numel = bias ? n : 0, p.epsilon = 1e-5f;
      Tensor x = test::random_f32(Shape{5, n}, seed++, -3, 5);  // a mean away from 0
      Tensor sc = test::random_f32(Shape{n}, seed++, 0.5, 2), b = test::random_f32(Shape{n}, seed++);
      const std::vector<Shape> outs{Shape{5, n}, Shape{5, 1}, Shape{5, 1}};
      const auto want = test::call_kernel(ref_fn, &p, {&x, &sc, bias ? &b : nullptr}, outs);
      const auto got = test::call_kernel(fn, &p, {&x, &sc, bias ? &b : nullptr}, outs);
      for (size_t i = 0; i < 3; ++i)
        ASSERT_TRUE(test::tensors_near(got[i], want[i], 1e-5, 1e-5)) << "n " << n << " bias " << bias << " output " << i;
    }
}

TEST_P(LayerNormSimd, BroadcastScaleFallsBackAndThreadsGiveSameBits) {
  std::string why;
  KernelFn fn = test::simd_variant("LayerNormalization", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "LayerNormalization", DType::kF32, Isa::kRef);
  ref::LayerNormParams p;
  p.outer = 3, p.block = 12, p.scale_numel = 4, p.bias_numel = 0;  // scale repeats inside the block
  Tensor x = test::random_f32(Shape{3, 12}, 1), sc = test::random_f32(Shape{4}, 2);
  EXPECT_TRUE(test::tensors_near(test::call_kernel(fn, &p, {&x, &sc}, {Shape{3, 12}})[0],
                                 test::call_kernel(ref_fn, &p, {&x, &sc}, {Shape{3, 12}})[0], 1e-5, 1e-5));
  ThreadPool two(2), three(3);
  p.outer = 130, p.block = 257, p.scale_numel = 257, p.bias_numel = 257;
  Tensor big = test::random_f32(Shape{130, 257}, 3), s2 = test::random_f32(Shape{257}, 4), b2 = test::random_f32(Shape{257}, 5);
  const Tensor one = test::call_kernel(fn, &p, {&big, &s2, &b2}, {Shape{130, 257}})[0];
  for (ThreadPool* pool : {&two, &three})
    EXPECT_TRUE(test::same_bits(one, test::call_kernel(fn, &p, {&big, &s2, &b2}, {Shape{130, 257}}, pool)[0]));
}

INSTANTIATE_TEST_SUITE_P(AllIsas, SoftmaxSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);
INSTANTIATE_TEST_SUITE_P(AllIsas, LayerNormSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);

}  // namespace
}  // namespace wisp
