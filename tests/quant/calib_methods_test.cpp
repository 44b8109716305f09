#include "quant/calib_methods.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace wisp::quant {
namespace {

TensorStats stats_of(const std::vector<double>& values) {
  TensorStats s;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.hist_max = std::max(std::abs(s.min), std::abs(s.max));
  s.histogram.assign(kHistogramBins, 0.0);
  for (double v : values) {
    const auto b = std::min<int64_t>(static_cast<int64_t>(std::abs(v) / s.hist_max * kHistogramBins), kHistogramBins - 1);
    s.histogram[static_cast<size_t>(b)] += 1;
  }
  s.count = static_cast<int64_t>(values.size());
  return s;
}

TEST(CalibMethods, MinMaxIsTheLargestMagnitude) {
  const TensorStats s = stats_of({-3.0, 0.5, 2.0});
  EXPECT_DOUBLE_EQ(threshold_minmax(s), 3.0);
  const ClipRange r = clip_for_threshold(s, 3.0);
  EXPECT_DOUBLE_EQ(r.min, -3.0);
  EXPECT_DOUBLE_EQ(r.max, 2.0);
}

TEST(CalibMethods, PercentileIsExactOnARamp) {
  // 204800 values evenly spread over [0, 1): the p-th percentile is p/100.
  std::vector<double> ramp;
  const int n = 204800;
  for (int i = 0; i < n; ++i) ramp.push_back((i + 0.5) / n);
  const TensorStats s = stats_of(ramp);
  EXPECT_NEAR(threshold_percentile(s, 99.0), 0.99, 1e-4);
  EXPECT_NEAR(threshold_percentile(s, 50.0), 0.50, 1e-4);
  EXPECT_NEAR(threshold_percentile(s, 100.0), s.hist_max, 1e-4);
}

TEST(CalibMethods, EntropyClipsAHeavyTailTighterThanMinMax) {
  // Laplace-distributed values plus a few huge outliers (a typical pre-activation tensor).
  std::mt19937 rng(7);
  std::exponential_distribution<double> e(1.0);
  std::bernoulli_distribution sign(0.5);
  std::vector<double> v;
  for (int i = 0; i < 100000; ++i) v.push_back(sign(rng) ? e(rng) : -e(rng));
  v.push_back(60.0);
  v.push_back(-55.0);
  const TensorStats s = stats_of(v);
  const double mm = threshold_minmax(s);
  const double ent = threshold_entropy(s, false);
  const double mse = threshold_mse(s, false);
  EXPECT_DOUBLE_EQ(mm, 60.0);
  EXPECT_LT(ent, mm / 3);
  EXPECT_GT(ent, 2.0);  // but it keeps the bulk of the distribution
  // MSE weighs the two clipped outliers' squared error against the rounding of the bulk:
  // it clips too, less hard than KL, and by construction never has a worse SQNR.
  EXPECT_LT(mse, mm);
  EXPECT_GE(histogram_sqnr_db(s, mse, false), histogram_sqnr_db(s, mm, false));
  EXPECT_GE(histogram_sqnr_db(s, mse, false), histogram_sqnr_db(s, ent, false));
}

TEST(CalibMethods, AutoPicksTheBestSqnrAndMinMaxWinsWithoutOutliers) {
  std::vector<double> uniform;
  for (int i = 0; i < 50000; ++i) uniform.push_back(-1.0 + 2.0 * (i + 0.5) / 50000);
  const TensorStats s = stats_of(uniform);
  const MethodChoice a = choose_threshold(s, CalibMethod::kAuto, 99.99, false);
  for (CalibMethod m : {CalibMethod::kMinMax, CalibMethod::kPercentile, CalibMethod::kEntropy, CalibMethod::kMse})
    EXPECT_GE(a.sqnr_db + 1e-9, choose_threshold(s, m, 99.99, false).sqnr_db) << calib_method_name(m);
  // A uniform tensor has no tail to clip: the chosen threshold is (nearly) the max.
  EXPECT_GT(a.threshold, 0.98);
}

TEST(CalibMethods, Names) {
  EXPECT_EQ(parse_calib_method("entropy"), CalibMethod::kEntropy);
  EXPECT_STREQ(calib_method_name(parse_calib_method("auto")), "auto");
  EXPECT_THROW(parse_calib_method("kl"), Error);
}

}  // namespace
}  // namespace wisp::quant
