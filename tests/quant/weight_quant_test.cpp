#include <gtest/gtest.h>

#include "quant/qdq_rewrite.hpp"

namespace wisp::quant {
namespace {

TEST(WeightQuant, PerChannelSymmetricExactValues) {
  Tensor w = Tensor::from<float>({3, 3}, {1.0f, -0.5f, 0.25f, 0, 0, 0, 2.0f, 1.0f, -2.0f});
  const PerChannelWeights q = quantize_weights_per_channel(w, 0);
  ASSERT_EQ(q.q.dtype(), DType::kI8);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[1], 1.0f);  // an all-zero channel keeps a usable scale
  EXPECT_FLOAT_EQ(q.scales[2], 2.0f / 127);
  const int8_t want[9] = {127, -64, 32, 0, 0, 0, 127, 64, -127};  // -63.5 and 63.5 round to even
  for (int i = 0; i < 9; ++i) EXPECT_EQ(q.q.as<int8_t>()[i], want[i]) << i;
  const Tensor back = dequantize_weights(q);
  EXPECT_FLOAT_EQ(back.as<float>()[1], -64.0f / 127);
}

TEST(WeightQuant, AxisOneForMatMulWeights) {
  // B [K=2, N=2]: channels are columns.
  Tensor w = Tensor::from<float>({2, 2}, {1.0f, 10.0f, -0.5f, 5.0f});
  const PerChannelWeights q = quantize_weights_per_channel(w, 1);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[1], 10.0f / 127);
  const int8_t want[4] = {127, 127, -64, 64};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(q.q.as<int8_t>()[i], want[i]) << i;
}

TEST(WeightQuant, ActivationParams) {
  const ActivationParams a = activation_params(-1.0, 3.0, false);
  EXPECT_FLOAT_EQ(a.scale, 4.0f / 255);
  EXPECT_EQ(a.zero_point, 64);  // round(63.75)
  EXPECT_FALSE(a.is_signed);
  const ActivationParams r = activation_params(0.5, 2.0, false);  // range widened to include 0
  EXPECT_FLOAT_EQ(r.scale, 2.0f / 255);
  EXPECT_EQ(r.zero_point, 0);
  const ActivationParams s = activation_params(-1.0, 3.0, true);
  EXPECT_FLOAT_EQ(s.scale, 3.0f / 127);
  EXPECT_EQ(s.zero_point, 0);
  EXPECT_TRUE(s.is_signed);
}

}  // namespace
}  // namespace wisp::quant
