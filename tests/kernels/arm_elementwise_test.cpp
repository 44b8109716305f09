// The NEON elementwise kernels (src/kernels/arm/binary_f32_neon.cpp,
// activation_f32_neon.cpp) against the reference kernels: Add/Sub/Mul/Div bit-identical
// for same shape, scalar (either side), per-channel and row-vector broadcasts, at lengths
// around the 4-lane vector; Relu/LeakyRelu/Clip/HardSigmoid/HardSwish bit-identical
// (NaN and -0 included); Sigmoid and SiLU within a few ulp of std::exp-based values;
// Softmax/LogSoftmax on the last axis close to the (double) reference; the threaded paths
// bit-identical for 1-3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/arm/gemm_f32_neon.hpp"
#include "kernels/arm_kernel_test_util.hpp"
#include "kernels/ref/activation.hpp"
#include "kernels/ref/binary.hpp"
#include "kernels/ref/softmax.hpp"

namespace wisp {
namespace {

using test::call_kernel1;

struct BinCase {
  Shape a, b, out;
};

TEST(ArmElementwise, BinaryBitIdenticalWithReference) {
  const std::vector<BinCase> cases = {
      {{1}, {1}, {1}},
      {{3}, {3}, {3}},
      {{4}, {4}, {4}},
      {{7}, {7}, {7}},
      {{2, 3, 5}, {2, 3, 5}, {2, 3, 5}},
      {{9}, {1}, {9}},                     // scalar right
      {{1}, {13}, {13}},                   // scalar left
      {{2, 3, 5, 5}, {3, 1, 1}, {2, 3, 5, 5}},  // per channel
      {{1, 7, 3, 3}, {1, 7, 1, 1}, {1, 7, 3, 3}},
      {{7, 1, 1}, {2, 7, 3, 3}, {2, 7, 3, 3}},  // per channel on the left
      {{5, 11}, {11}, {5, 11}},            // row vector
      {{4}, {3, 4}, {3, 4}},               // row vector on the left
      {{2, 3, 4, 5}, {3, 4, 1}, {2, 3, 4, 5}},  // a block of two dims
      {{3, 1}, {1, 5}, {3, 5}},            // both broadcast: reference path
      {{2, 3, 4}, {2, 1, 4}, {2, 3, 4}},   // not one block: reference path
  };
  const std::pair<const char*, ref::BinOp> ops[] = {
      {"Add", ref::BinOp::kAdd}, {"Sub", ref::BinOp::kSub}, {"Mul", ref::BinOp::kMul}, {"Div", ref::BinOp::kDiv}};
  uint32_t seed = 0;
  for (auto [name, op] : ops) {
    KernelFn fn = test::neon_kernel(name), ref_fn = test::ref_kernel(name);
    ref::BinaryParams p;
    p.op = op;
    for (const BinCase& c : cases) {
      Tensor a = test::random_f32(c.a, ++seed), b = test::random_f32(c.b, ++seed, 0.5f, 2.0f);
      Tensor want = call_kernel1(ref_fn, &p, {&a, &b}, c.out);
      EXPECT_TRUE(test::same_bits(call_kernel1(fn, &p, {&a, &b}, c.out), want))
          << name << " " << c.a.str() << " with " << c.b.str();
    }
  }
}

TEST(ArmElementwise, BinaryThreadedAndInPlace) {
  KernelFn fn = test::neon_kernel("Add"), ref_fn = test::ref_kernel("Add");
  ref::BinaryParams p;
  for (const BinCase& c : {BinCase{{70001}, {70001}, {70001}}, BinCase{{1, 64, 40, 41}, {64, 1, 1}, {1, 64, 40, 41}},
                           BinCase{{3, 40001}, {40001}, {3, 40001}}}) {
    Tensor a = test::random_f32(c.a, 1), b = test::random_f32(c.b, 2);
    Tensor want = call_kernel1(ref_fn, &p, {&a, &b}, c.out);
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      EXPECT_TRUE(test::same_bits(call_kernel1(fn, &p, {&a, &b}, c.out, &pool), want)) << threads << " threads";
    }
    // In place: the output is input 0's memory (the session does this for Add).
    Tensor inout = Tensor::copy_of(a.view());
    TensorView av = inout.view(), bv = b.view();
    const TensorView* ins[] = {&av, &bv};
    TensorView* outs[] = {&av};
    fn(KernelArgs{nullptr, &p, ins, outs, nullptr, 0, nullptr, nullptr});
    EXPECT_TRUE(test::same_bits(inout, want)) << "in place";
  }
}

// Inputs with the awkward values: NaN, +-0, +-inf, huge, tiny, plus random ones; a length
// that is not a multiple of 4 so the scalar tail runs too.
Tensor awkward_input(int64_t n) {
  Tensor t = test::random_f32(Shape{n}, 5, -8.0f, 8.0f);
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), 0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), 1e30f, -1e30f, 1e-30f, -1e-30f, 3.0f, -3.0f, 6.0f};
  for (size_t i = 0; i < std::size(specials); ++i) t.as<float>()[i * 3] = specials[i];
  return t;
}

TEST(ArmElementwise, PiecewiseActivationsBitIdentical) {
  struct Act {
    const char* op;
    ref::ActivationParams p;
  };
  const Act acts[] = {{"Relu", {ref::ActFn::kRelu, 0, 0, 0}},
                      {"LeakyRelu", {ref::ActFn::kLeakyRelu, 0.01f, 0, 0}},
                      {"HardSigmoid", {ref::ActFn::kHardSigmoid, 0.2f, 0.5f, 0}},
                      {"HardSwish", {ref::ActFn::kHardSwish, 1.0f / 6, 0.5f, 0}}};
  for (const Act& act : acts) {
    KernelFn fn = test::neon_kernel(act.op), ref_fn = test::ref_kernel(act.op);
    for (int64_t n : {1, 3, 4, 5, 39, 40001}) {
      Tensor x = awkward_input(std::max<int64_t>(n, 37));
      if (n < 37) x = Tensor::copy_of(test::random_f32(Shape{n}, 3, -4, 4).view());
      Tensor want = call_kernel1(ref_fn, &act.p, {&x}, x.shape());
      ThreadPool pool(3);
      EXPECT_TRUE(test::same_bits(call_kernel1(fn, &act.p, {&x}, x.shape()), want)) << act.op << " n=" << n;
      EXPECT_TRUE(test::same_bits(call_kernel1(fn, &act.p, {&x}, x.shape(), &pool), want)) << act.op << " 3 threads";
    }
  }
}

TEST(ArmElementwise, ClipBitIdentical) {
  KernelFn fn = test::neon_kernel("Clip"), ref_fn = test::ref_kernel("Clip");
  Tensor x = awkward_input(41);
  Tensor lo(DType::kF32, Shape{}), hi(DType::kF32, Shape{});
  lo.as<float>()[0] = -0.0f, hi.as<float>()[0] = 6.0f;
  int clipped = 0;
  for (auto [l, h] : {std::pair<const Tensor*, const Tensor*>{&lo, &hi}, {&lo, nullptr}, {nullptr, &hi}, {nullptr, nullptr}}) {
    Tensor want = call_kernel1(ref_fn, nullptr, {&x, l, h}, x.shape());
    Tensor got = call_kernel1(fn, nullptr, {&x, l, h}, x.shape());
    EXPECT_TRUE(test::same_bits(got, want)) << "bounds " << (l != nullptr) << (h != nullptr);
    for (int64_t i = 0; i < x.numel(); ++i) clipped += got.as<float>()[i] != x.as<float>()[i] && !std::isnan(x.as<float>()[i]);
  }
  EXPECT_GT(clipped, 0);
}

TEST(ArmElementwise, SigmoidAndSiluCloseToExact) {
  KernelFn fn = test::neon_kernel("Sigmoid");
  ref::ActivationParams p{ref::ActFn::kSigmoid, 0, 0, 0};
  Tensor x = test::random_f32(Shape{4003}, 8, -30.0f, 30.0f);
  x.as<float>()[0] = 0.0f, x.as<float>()[1] = 88.0f, x.as<float>()[2] = -88.0f, x.as<float>()[3] = 200.0f;
  x.as<float>()[4] = -200.0f, x.as<float>()[5] = 1e-8f;
  Tensor got = call_kernel1(fn, &p, {&x}, x.shape());
  std::vector<float> silu(static_cast<size_t>(x.numel()));
  arm::silu_f32_neon(x.as<float>(), silu.data(), x.numel(), nullptr);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.as<float>()[i], exact = 1.0 / (1.0 + std::exp(-v));
    ASSERT_NEAR(got.as<float>()[i], exact, 6e-7 * exact + 1e-30) << "sigmoid(" << v << ")";
    ASSERT_NEAR(silu[i], v * exact, 6e-7 * std::fabs(v * exact) + 1e-30) << "silu(" << v << ")";
  }
  EXPECT_EQ(got.as<float>()[0], 0.5f);
  EXPECT_EQ(got.as<float>()[3], 1.0f);
  ThreadPool pool(2);
  Tensor big = test::random_f32(Shape{50001}, 9, -10, 10);
  EXPECT_TRUE(test::same_bits(call_kernel1(fn, &p, {&big}, big.shape()), call_kernel1(fn, &p, {&big}, big.shape(), &pool)));
}

TEST(ArmElementwise, SoftmaxLastAxisCloseToReference) {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    KernelFn fn = test::neon_kernel(op), ref_fn = test::ref_kernel(op);
    ref::SoftmaxParams p;
    p.kind = std::string(op) == "Softmax" ? ref::SoftmaxKind::kSoftmax : ref::SoftmaxKind::kLogSoftmax;
    for (int64_t n : {1, 3, 4, 5, 8, 13, 1000}) {
      p.outer = 7, p.axis_dim = n, p.inner = 1;
      Tensor x = test::random_f32(Shape{7, n}, static_cast<uint32_t>(n), -20.0f, 20.0f);
      Tensor want = call_kernel1(ref_fn, &p, {&x}, x.shape());
      Tensor got = call_kernel1(fn, &p, {&x}, x.shape());
      for (int64_t i = 0; i < x.numel(); ++i) {
        const float w = want.as<float>()[i];
        // Softmax: x - max is rounded to float (the reference uses double), an error of
        // ~6e-8 * |x - max| in the exponent, i.e. relative in the result; |log w| >= |x - max|.
        // LogSoftmax: a few ulp of the value, and absolute near 0.
        const double tol = p.kind == ref::SoftmaxKind::kSoftmax ? (5e-7 + 1.2e-7 * std::fabs(std::log(w))) * w
                                                                : 2e-6 * std::fabs(w) + 1e-6;
        ASSERT_NEAR(got.as<float>()[i], w, tol) << op << " n=" << n << " element " << i;
      }
      ThreadPool pool(3);
      EXPECT_TRUE(test::same_bits(call_kernel1(fn, &p, {&x}, x.shape(), &pool), got)) << op << " 3 threads";
    }
    // Not the last axis: the reference path, exactly the reference's values.
    p.outer = 2, p.axis_dim = 5, p.inner = 3;
    Tensor x = test::random_f32(Shape{2, 5, 3}, 4);
    EXPECT_TRUE(test::same_bits(call_kernel1(fn, &p, {&x}, x.shape()), call_kernel1(ref_fn, &p, {&x}, x.shape()))) << op;
  }
  // Sums to one, and a NaN poisons only its own row.
  KernelFn fn = test::neon_kernel("Softmax");
  ref::SoftmaxParams p;
  p.outer = 2, p.axis_dim = 6;
  Tensor x = test::random_f32(Shape{2, 6}, 5);
  x.as<float>()[7] = std::numeric_limits<float>::quiet_NaN();
  Tensor y = call_kernel1(fn, &p, {&x}, x.shape());
  float sum = 0;
  for (int i = 0; i < 6; ++i) sum += y.as<float>()[i];
  EXPECT_NEAR(sum, 1.0f, 1e-6);
  for (int i = 6; i < 12; ++i) EXPECT_TRUE(std::isnan(y.as<float>()[i])) << i;
}

}  // namespace
}  // namespace wisp
