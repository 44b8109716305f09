// The x86 float32 unary kernels (src/kernels/x86/unary_f32_*) against the reference
// kernels for every op they register: lengths below, at and above the 8 / 16 lane widths
// and the 4096-element thread unit, nan and infinities, parameters (alpha, beta, Clip
// bounds), the reference fallback for functions they do not cover, and bit-identical
// results for 1, 2 and 3 threads. Exact ops (Relu, Clip, Neg, Abs, Sqrt, ...) are bit-exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/ref/activation.hpp"
#include "kernels/ref/unary_math.hpp"
#include "simd_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

struct UnaryCase {
  const char* op;
  bool activation;  // ActivationParams (else UnaryParams)
  ref::ActFn act;
  ref::UnaryFn fn;
  float alpha, beta;
  bool exact;  // bit-exact vs the reference
  // Else |got - want| <= 4e-6 max(|want|, floor). A floor of 0.1 where the reference's own
  // rounding is absolute rather than relative: Gelu's 1 + erf(x / sqrt 2) for negative x,
  // HardSigmoid's alpha x + beta near 0 (rounded twice there, once in the fma here).
  float floor = 1e-6f;
};

const UnaryCase kCases[] = {
    {"Relu", true, ref::ActFn::kRelu, {}, 0, 0, true},
    {"LeakyRelu", true, ref::ActFn::kLeakyRelu, {}, 0.1f, 0, true},
    {"Sigmoid", true, ref::ActFn::kSigmoid, {}, 0, 0, false},
    {"HardSigmoid", true, ref::ActFn::kHardSigmoid, {}, 0.2f, 0.5f, false, 0.1f},  // fma: one rounding
    {"HardSwish", true, ref::ActFn::kHardSwish, {}, 1.0f / 6, 0.5f, false, 0.1f},
    {"Tanh", true, ref::ActFn::kTanh, {}, 0, 0, false},
    {"Gelu", true, ref::ActFn::kGelu, {}, 0, 0, false, 0.1f},
    {"Gelu", true, ref::ActFn::kGeluTanh, {}, 0, 0, false, 0.1f},
    {"Relu", true, ref::ActFn::kElu, {}, 1.0f, 0, true},  // Elu: not covered, the reference runs
    {"Exp", false, {}, ref::UnaryFn::kExp, 0, 0, false},
    {"Erf", false, {}, ref::UnaryFn::kErf, 0, 0, false},
    {"Sqrt", false, {}, ref::UnaryFn::kSqrt, 0, 0, true},
    {"Neg", false, {}, ref::UnaryFn::kNeg, 0, 0, true},
    {"Abs", false, {}, ref::UnaryFn::kAbs, 0, 0, true},
    {"Abs", false, {}, ref::UnaryFn::kSin, 0, 0, true},  // not covered: the reference runs
};

Tensor inputs(int64_t n, uint32_t seed) {
  Tensor x = test::random_f32(Shape{n}, seed, -8, 8);
  const float specials[] = {std::nanf(""), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), 0.0f, -0.0f, 1e-40f};
  for (int64_t i = 0; i < n && i < 6; ++i) x.as<float>()[(i * 7) % n] = specials[i];
  return x;
}

// Same bits, or both nan, or within rel (relative to max(|want|, floor)).
::testing::AssertionResult close(const Tensor& got, const Tensor& want, double rel, float floor = 1e-6f) {
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float g = got.as<float>()[i], w = want.as<float>()[i];
    if (std::memcmp(&g, &w, 4) == 0 || (std::isnan(g) && std::isnan(w))) continue;
    if (rel > 0 && std::isfinite(w) && std::fabs(g - w) <= rel * std::max(std::fabs(w), floor)) continue;
    return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w;
  }
  return ::testing::AssertionSuccess();
}

class UnarySimd : public ::testing::TestWithParam<Isa> {};

TEST_P(UnarySimd, EveryOpMatchesTheReferenceAtVectorEdges) {
  std::string why;
  if (!test::simd_variant("Relu", GetParam(), why)) GTEST_SKIP() << why;
  uint32_t seed = 1;
  for (const UnaryCase& c : kCases) {
    KernelFn fn = test::simd_variant(c.op, GetParam(), why);
    ASSERT_NE(fn, nullptr) << c.op << ": " << why;
    KernelFn ref_fn = find_kernel("", c.op, DType::kF32, Isa::kRef);
    ref::ActivationParams ap{c.act, c.alpha, c.beta, 0};
    ref::UnaryParams up;
    up.fn = c.fn;
    const void* params = c.activation ? static_cast<const void*>(&ap) : static_cast<const void*>(&up);
    for (int64_t n : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 4095, 4096, 4097}) {
      Tensor x = inputs(n, seed++);
      const Tensor want = test::call_kernel(ref_fn, params, {&x}, {Shape{n}})[0];
      const Tensor got = test::call_kernel(fn, params, {&x}, {Shape{n}})[0];
      ASSERT_TRUE(close(got, want, c.exact ? 0.0 : 4e-6, c.floor)) << c.op << " fn " << int(c.act) << "/" << int(c.fn) << " n " << n;
    }
  }
}

TEST_P(UnarySimd, ClipWithEitherBoundAndInPlace) {
  std::string why;
  KernelFn fn = test::simd_variant("Clip", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Clip", DType::kF32, Isa::kRef);
  Tensor x = inputs(37, 3);
  Tensor lo = Tensor::from<float>({}, {-1.5f}), hi = Tensor::from<float>({}, {2.0f}), crossed = Tensor::from<float>({}, {-3.0f});
  for (auto bounds : std::vector<std::pair<const Tensor*, const Tensor*>>{
           {&lo, &hi}, {&lo, nullptr}, {nullptr, &hi}, {nullptr, nullptr}, {&lo, &crossed}}) {
    const Tensor want = test::call_kernel(ref_fn, nullptr, {&x, bounds.first, bounds.second}, {Shape{37}})[0];
    const Tensor got = test::call_kernel(fn, nullptr, {&x, bounds.first, bounds.second}, {Shape{37}})[0];
    ASSERT_TRUE(close(got, want, 0.0));
  }
  // In place: y is x.
  Tensor y = inputs(37, 3);
  const Tensor want = test::call_kernel(ref_fn, nullptr, {&y, &lo, &hi}, {Shape{37}})[0];
  TensorView yv = y.view(), lv = lo.view(), hv = hi.view();
  const TensorView* ins[] = {&yv, &lv, &hv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, nullptr, ins, outs, nullptr, 0, nullptr, nullptr};
  fn(args);
  EXPECT_TRUE(close(y, want, 0.0));
}

TEST_P(UnarySimd, SameBitsForOneTwoAndThreeThreads) {
  std::string why;
  KernelFn fn = test::simd_variant("Gelu", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool two(2), three(3);
  ref::ActivationParams p{ref::ActFn::kGelu, 0, 0, 0};
  const int64_t n = 50001;  // above the 16K threshold, not a multiple of the unit
  Tensor x = inputs(n, 11);
  const Tensor one = test::call_kernel(fn, &p, {&x}, {Shape{n}})[0];
  for (ThreadPool* pool : {&two, &three}) EXPECT_TRUE(test::same_bits(one, test::call_kernel(fn, &p, {&x}, {Shape{n}}, pool)[0]));
}

INSTANTIATE_TEST_SUITE_P(AllIsas, UnarySimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);

}  // namespace
}  // namespace wisp
