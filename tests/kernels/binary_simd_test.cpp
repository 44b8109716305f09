// The x86 float32 binary kernels (src/kernels/x86/binary_f32_*) against the reference,
// bit-exact: every op on every broadcast pattern models use (same shape, scalar on either
// side, trailing vector, per-channel [N,C,H,W] x [1,C,1,1], a column [M,1], a general
// two-sided broadcast, rank 0), run lengths around the 8 / 16 lanes and the 4096-element
// unit, nan/inf operands, in place, the fallbacks, and 1 vs 2 vs 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "kernels/ref/binary.hpp"
#include "simd_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

Shape broadcast(const Shape& a, const Shape& b) {
  const int r = std::max(a.rank(), b.rank());
  std::vector<int64_t> d(r);
  for (int i = 0; i < r; ++i) {
    const int ka = i - (r - a.rank()), kb = i - (r - b.rank());
    const int64_t da = ka >= 0 ? a[ka] : 1, db = kb >= 0 ? b[kb] : 1;
    d[i] = da == 1 ? db : da;
  }
  return Shape(std::span<const int64_t>(d));
}

Tensor operand(const Shape& s, uint32_t seed) {
  Tensor t = test::random_f32(s, seed, -4, 4);
  const float specials[] = {std::nanf(""), std::numeric_limits<float>::infinity(), 0.0f, -0.0f};
  for (int64_t i = 0; i < t.numel() && i < 4; ++i) t.as<float>()[(i * 5 + seed) % t.numel()] = specials[i];
  return t;
}

struct Op {
  const char* name;
  ref::BinOp op;
};
constexpr Op kOps[] = {{"Add", ref::BinOp::kAdd}, {"Sub", ref::BinOp::kSub}, {"Mul", ref::BinOp::kMul},
                       {"Div", ref::BinOp::kDiv}, {"Max", ref::BinOp::kMax}, {"Min", ref::BinOp::kMin}};

::testing::AssertionResult same(const Tensor& got, const Tensor& want) {
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float g = got.as<float>()[i], w = want.as<float>()[i];
    if (std::memcmp(&g, &w, 4) != 0 && !(std::isnan(g) && std::isnan(w)))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w;
  }
  return ::testing::AssertionSuccess();
}

class BinarySimd : public ::testing::TestWithParam<Isa> {};

TEST_P(BinarySimd, EveryOpAndBroadcastPatternIsBitExact) {
  std::string why;
  if (!test::simd_variant("Add", GetParam(), why)) GTEST_SKIP() << why;
  const std::vector<std::pair<Shape, Shape>> patterns = {
      {Shape{1}, Shape{1}},          {Shape{7}, Shape{7}},          {Shape{16}, Shape{16}},
      {Shape{17}, Shape{17}},        {Shape{4097}, Shape{4097}},    {Shape{33}, Shape{}},
      {Shape{}, Shape{33}},          {Shape{}, Shape{}},            {Shape{5, 31}, Shape{31}},
      {Shape{31}, Shape{5, 31}},     {Shape{2, 3, 9, 5}, Shape{1, 3, 1, 1}}, {Shape{1, 3, 1, 1}, Shape{2, 3, 9, 5}},
      {Shape{6, 9}, Shape{6, 1}},    {Shape{2, 1, 17}, Shape{3, 1}}, {Shape{4, 1}, Shape{1, 8}},
      {Shape{2, 3, 4, 5}, Shape{3, 1, 5}}, {Shape{3, 1, 1}, Shape{1, 1, 8195}}};
  uint32_t seed = 1;
  for (const Op& o : kOps) {
    KernelFn fn = test::simd_variant(o.name, GetParam(), why);
    ASSERT_NE(fn, nullptr) << why;
    KernelFn ref_fn = find_kernel("", o.name, DType::kF32, Isa::kRef);
    ref::BinaryParams p;
    p.op = o.op;
    for (const auto& [as, bs] : patterns) {
      const Tensor a = operand(as, seed++), b = operand(bs, seed++);
      const Shape out = broadcast(as, bs);
      const Tensor want = test::call_kernel(ref_fn, &p, {&a, &b}, {out})[0];
      const Tensor got = test::call_kernel(fn, &p, {&a, &b}, {out})[0];
      ASSERT_TRUE(same(got, want)) << o.name << " " << as.str() << " x " << bs.str();
    }
  }
}

TEST_P(BinarySimd, InPlacePowAndFallbacks) {
  std::string why;
  KernelFn add = test::simd_variant("Add", GetParam(), why);
  if (!add) GTEST_SKIP() << why;
  ref::BinaryParams p;
  // In place: out is a (a has out's shape).
  Tensor a = operand(Shape{3, 40}, 1), b = operand(Shape{40}, 2);
  const Tensor want = test::call_kernel(find_kernel("", "Add", DType::kF32, Isa::kRef), &p, {&a, &b}, {Shape{3, 40}})[0];
  TensorView av = a.view(), bv = b.view();
  const TensorView* ins[] = {&av, &bv};
  TensorView* outs[] = {&av};
  add(KernelArgs{nullptr, &p, ins, outs, nullptr, 0, nullptr, nullptr});
  EXPECT_TRUE(same(a, want));
  // Pow: exponents 2 and 0.5 run x * x and sqrt; 3 (and an integer exponent) the reference.
  KernelFn pow = test::simd_variant("Pow", GetParam(), why);
  KernelFn pow_ref = find_kernel("", "Pow", DType::kF32, Isa::kRef);
  p.op = ref::BinOp::kPow;
  Tensor x = operand(Shape{45}, 3);
  x.as<float>()[40] = -std::numeric_limits<float>::infinity();
  x.as<float>()[41] = 1e-40f;  // denormal
  x.as<float>()[42] = std::numeric_limits<float>::max();
  for (const Tensor& e : {Tensor::from<float>({}, {2.0f}), Tensor::from<float>({}, {0.5f}), Tensor::from<float>({}, {3.0f}),
                          Tensor::from<int64_t>({1}, {2})}) {
    EXPECT_TRUE(same(test::call_kernel(pow, &p, {&x, &e}, {Shape{45}})[0],
                     test::call_kernel(pow_ref, &p, {&x, &e}, {Shape{45}})[0]));
  }
  // Pow 0.5 as sqrt over a sweep of float bit patterns (every sign, magnitude, denormals).
  Tensor sweep(DType::kF32, Shape{65536});
  for (int64_t i = 0; i < 65536; ++i) sweep.as<uint32_t>()[i] = static_cast<uint32_t>(i * 65537 + 12345);
  const Tensor half = Tensor::from<float>({}, {0.5f});
  EXPECT_TRUE(same(test::call_kernel(pow, &p, {&sweep, &half}, {Shape{65536}})[0],
                   test::call_kernel(pow_ref, &p, {&sweep, &half}, {Shape{65536}})[0]));
  // Max with three inputs and Sum: the reference's variadic kernel.
  KernelFn max = test::simd_variant("Max", GetParam(), why);
  KernelFn max_ref = find_kernel("", "Max", DType::kF32, Isa::kRef);
  ref::BinaryParams mp;
  mp.op = ref::BinOp::kMax;
  const Tensor c = operand(Shape{45}, 4), d = operand(Shape{1}, 5);
  EXPECT_TRUE(same(test::call_kernel(max, &mp, {&x, &c, &d}, {Shape{45}})[0],
                   test::call_kernel(max_ref, &mp, {&x, &c, &d}, {Shape{45}})[0]));
}

TEST_P(BinarySimd, SameBitsForOneTwoAndThreeThreads) {
  std::string why;
  KernelFn fn = test::simd_variant("Div", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool two(2), three(3);
  ref::BinaryParams p;
  p.op = ref::BinOp::kDiv;
  for (const auto& [as, bs] : std::vector<std::pair<Shape, Shape>>{{Shape{50001}, Shape{50001}},
                                                                    {Shape{2, 64, 15, 17}, Shape{1, 64, 1, 1}}}) {
    const Tensor a = operand(as, 1), b = operand(bs, 2);
    const Shape out = broadcast(as, bs);
    const Tensor one = test::call_kernel(fn, &p, {&a, &b}, {out})[0];
    for (ThreadPool* pool : {&two, &three}) EXPECT_TRUE(test::same_bits(one, test::call_kernel(fn, &p, {&a, &b}, {out}, pool)[0]));
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, BinarySimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);

}  // namespace
}  // namespace wisp
