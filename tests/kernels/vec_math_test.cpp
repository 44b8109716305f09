// Accuracy of the vectorised exp, sigmoid, tanh, erf and GELU (src/kernels/x86/
// vec_math_*.hpp) through the unary kernels' entry points, for AVX2 and AVX-512, against
// the same functions in double: over a sweep of every 2^16-th float bit pattern (all
// magnitudes, both signs, denormals), a dense sweep of [-12, 12], and the special values.
// Bound: 2e-6 relative, or an absolute 1.2e-38 (FLT_MIN) where the result is denormal.
#if defined(__x86_64__) || defined(_M_X64)
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp {
namespace {

using x86::UnaryF32;

double want(UnaryF32 fn, double x) {
  switch (fn) {
    case UnaryF32::kExp: return std::exp(x);
    case UnaryF32::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryF32::kTanh: return std::tanh(x);
    case UnaryF32::kErf: return std::erf(x);
    case UnaryF32::kGelu: return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    default: return 0;
  }
}

std::vector<float> inputs() {
  std::vector<float> v;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 65537) v.push_back(std::bit_cast<float>(uint32_t(bits)));
  for (int i = -1200000; i <= 1200000; ++i) v.push_back(static_cast<float>(i) * 1e-5f);
  const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(), 88.72f, 88.73f, -87.3f, -103.9f, -104.1f, 0.625f,
                            -0.625f, 1.0f, -1.0f, 2.0f, -2.0f, 9.99f, 10.01f, -9.0f, -13.0f, -15.0f};
  v.insert(v.end(), std::begin(specials), std::end(specials));
  return v;
}

class VecMath : public ::testing::TestWithParam<Isa> {};

TEST_P(VecMath, WithinTwoMillionthsOfDoubleEverywhere) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU does not allow " << isa_name(isa);
  const x86::UnaryF32Fn run = isa == Isa::kAvx512 ? &x86::unary_f32_avx512 : &x86::unary_f32_avx2;
  const std::vector<float> x = inputs();
  std::vector<float> y(x.size());
  for (UnaryF32 fn : {UnaryF32::kExp, UnaryF32::kSigmoid, UnaryF32::kTanh, UnaryF32::kErf, UnaryF32::kGelu}) {
    run({fn, 0, 0}, x.data(), y.data(), static_cast<int64_t>(x.size()), nullptr);
    double worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        ASSERT_TRUE(std::isnan(y[i])) << "fn " << int(fn) << " of nan gave " << y[i];
        continue;
      }
      const double w = want(fn, x[i]);
      if (std::isnan(w)) continue;  // GELU(-inf): -inf * 0, nan in the reference too
      const double w_float = static_cast<double>(static_cast<float>(w));  // inf where float overflows
      if (std::isinf(w_float)) {
        ASSERT_EQ(y[i], static_cast<float>(w)) << "fn " << int(fn) << " x " << x[i];
        continue;
      }
      const double err = std::fabs(y[i] - w);
      ASSERT_LE(err, 2e-6 * std::fabs(w) + 1.2e-38) << "fn " << int(fn) << " x " << x[i] << " got " << y[i]
                                                     << " want " << w;
      if (std::fabs(w) > 1.2e-38 && err / std::fabs(w) > worst) worst = err / std::fabs(w), worst_x = x[i];
    }
    const char* name = fn == UnaryF32::kExp       ? "exp"
                       : fn == UnaryF32::kSigmoid ? "sigmoid"
                       : fn == UnaryF32::kTanh    ? "tanh"
                       : fn == UnaryF32::kErf     ? "erf"
                                                  : "gelu";
    std::printf("  %s: max relative error %.3g at x = %.9g\n", name, worst, double(worst_x));
  }
}

TEST_P(VecMath, LimitsAndSpecialValues) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU does not allow " << isa_name(isa);
  const x86::UnaryF32Fn run = isa == Isa::kAvx512 ? &x86::unary_f32_avx512 : &x86::unary_f32_avx2;
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x{inf, -inf, 100.0f, -200.0f, 0.0f, -0.0f};
  std::vector<float> y(x.size());
  auto f = [&](UnaryF32 fn) {
    run({fn, 0, 0}, x.data(), y.data(), static_cast<int64_t>(x.size()), nullptr);
    return y;
  };
  EXPECT_EQ(f(UnaryF32::kExp), (std::vector<float>{inf, 0.0f, inf, 0.0f, 1.0f, 1.0f}));
  EXPECT_EQ(f(UnaryF32::kSigmoid), (std::vector<float>{1.0f, 0.0f, 1.0f, 0.0f, 0.5f, 0.5f}));
  EXPECT_EQ(f(UnaryF32::kTanh), (std::vector<float>{1.0f, -1.0f, 1.0f, -1.0f, 0.0f, -0.0f}));
  EXPECT_EQ(f(UnaryF32::kErf), (std::vector<float>{1.0f, -1.0f, 1.0f, -1.0f, 0.0f, -0.0f}));
  EXPECT_TRUE(std::signbit(f(UnaryF32::kTanh)[5]) && std::signbit(f(UnaryF32::kErf)[5]));  // -0 stays -0
  const std::vector<float> g = f(UnaryF32::kGelu);
  EXPECT_EQ(g[0], inf);
  EXPECT_EQ(g[2], 100.0f);
  EXPECT_EQ(g[3], -0.0f);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, VecMath, ::testing::Values(Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& i) { return std::string(isa_name(i.param)); });

}  // namespace
}  // namespace wisp
#endif
