// BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, LRN,
// MVN and the quantization ops.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::run_op1;
using test::tensors_near;

TEST(BatchNormalization, InferenceFormAndTrainingModeError) {
  Tensor x = Tensor::from<float>({1, 2, 2}, {1, 2, 3, 4});
  Tensor scale = Tensor::from<float>({2}, {2, 1});
  Tensor bias = Tensor::from<float>({2}, {0, 1});
  Tensor mean = Tensor::from<float>({2}, {1, 3});
  Tensor var = Tensor::from<float>({2}, {4, 0.25f});
  Attributes at;
  at.set_float("epsilon", 0.0f);
  // ch0: (x-1)/2*2 = [0, 1]; ch1: (x-3)/0.5 + 1 = [1, 3]
  EXPECT_TRUE(tensors_near(run_op1("BatchNormalization", {x, scale, bias, mean, var}, at),
                           Tensor::from<float>({1, 2, 2}, {0, 1, 1, 3})));
  at.set_int("training_mode", 1);
  try {
    run_op1("BatchNormalization", {x, scale, bias, mean, var}, at);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
  }
}

TEST(InstanceNormalization, PerChannelStatistics) {
  Tensor x = Tensor::from<float>({1, 1, 2}, {1, 3});
  Tensor y = run_op1("InstanceNormalization", {x, Tensor::from<float>({1}, {2}), Tensor::from<float>({1}, {1})});
  const float d = 2.0f / std::sqrt(1.0f + 1e-5f);
  EXPECT_TRUE(tensors_near(y, Tensor::from<float>({1, 1, 2}, {1 - d, 1 + d})));
}

TEST(LayerNormalization, LastAxisWithStatsMatchesPyTorch) {
  Tensor x(DType::kF32, {2, 3, 4});
  for (int i = 0; i < 24; ++i) x.as<float>()[i] = static_cast<float>(i) / 7;
  auto out = run_op("LayerNormalization",
                    {{x}, {Tensor::from<float>({4}, {1, 2, 3, 4})}, {Tensor::from<float>({4}, {0, 1, 0, -1})}}, {}, 3);
  const float expect[] = {-1.341377854f, 0.105748176f, 1.341377973f, 4.365511417f, -1.341377735f, 0.105748534f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(out[0].as<float>()[i], expect[i], 1e-5) << i;
  ASSERT_EQ(out[1].shape(), (Shape{2, 3, 1}));
  EXPECT_NEAR(out[1].as<float>()[0], 1.5f / 7, 1e-6);
  EXPECT_NEAR(out[2].as<float>()[0], 1 / std::sqrt(1.25f / 49 + 1e-5f), 1e-3);
}

TEST(GroupNormalization, TwoGroupsPerChannelAffine) {
  Tensor x = Tensor::from<float>({1, 4, 1}, {1, 3, 10, 12});
  Attributes at;
  at.set_int("num_groups", 2);
  at.set_float("epsilon", 0.0f);
  Tensor y = run_op1("GroupNormalization", {x, Tensor::from<float>({4}, {1, 1, 1, 1}), Tensor::from<float>({4}, {0, 0, 5, 5})}, at);
  EXPECT_TRUE(tensors_near(y, Tensor::from<float>({1, 4, 1}, {-1, 1, 4, 6})));
}

TEST(Lrn, SizeThreeWindow) {
  Tensor x = Tensor::from<float>({1, 2, 1, 1}, {1, 2});
  Attributes at;
  at.set_int("size", 3);
  at.set_float("alpha", 3.0f);
  at.set_float("beta", 1.0f);
  at.set_float("bias", 1.0f);
  // both channels see 1 + 3/3 * (1 + 4) = 6
  EXPECT_TRUE(tensors_near(run_op1("LRN", {x}, at), Tensor::from<float>({1, 2, 1, 1}, {1.0f / 6, 2.0f / 6})));
}

TEST(MeanVarianceNormalization, DefaultAxes) {
  Tensor x = Tensor::from<float>({2, 1, 1, 1}, {1, 3});
  EXPECT_TRUE(tensors_near(run_op1("MeanVarianceNormalization", {x}), Tensor::from<float>({2, 1, 1, 1}, {-1, 1}), 1e-5, 1e-6));
}

TEST(QuantizeLinear, PerAxisRoundHalfEvenSaturate) {
  Tensor x = Tensor::from<float>({2, 3}, {0.5f, 1.5f, 300, -2.5f, 2.5f, -300});
  Tensor scale = Tensor::from<float>({2}, {1, 0.5f});
  Tensor zp = Tensor::from<int8_t>({2}, {0, 1});
  Attributes at;
  at.set_int("axis", 0);
  EXPECT_TRUE(tensors_near(run_op("QuantizeLinear", {{x}, {scale}, {zp}}, at)[0],
                           Tensor::from<int8_t>({2, 3}, {0, 2, 127, -4, 6, -128})));
  Tensor q = Tensor::from<uint8_t>({2}, {0, 255});
  EXPECT_TRUE(tensors_near(run_op("DequantizeLinear", {{q}, {Tensor::from<float>({}, {0.5f})}, {Tensor::from<uint8_t>({}, {128})}})[0],
                           Tensor::from<float>({2}, {-64, 63.5f})));
}

TEST(DynamicQuantizeLinear, RangeIncludesZero) {
  Tensor x = Tensor::from<float>({3}, {0, 2, 5.1f});
  auto out = run_op("DynamicQuantizeLinear", {{x}}, {}, 3);
  EXPECT_NEAR(out[1].as<float>()[0], 0.02f, 1e-7);
  EXPECT_EQ(out[2].as<uint8_t>()[0], 0);
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<uint8_t>({3}, {0, 100, 255})));
}

}  // namespace
}  // namespace wisp
