// Activations through a Session; expected values from torch.nn.functional (float32).
#include <gtest/gtest.h>

#include <limits>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp::test {
namespace {

Tensor f32(const Shape& s, std::initializer_list<float> v) { return Tensor::from<float>(s, v); }
const Tensor kX = f32({5}, {-3, -1, 0, 1, 2.5f});

Attributes with_float(const char* name, float v) {
  Attributes a;
  a.set_float(name, v);
  return a;
}

TEST(ActivationTest, MatchTorch) {
  struct Case {
    const char* op;
    Attributes attrs;
    std::initializer_list<float> expected;
  };
  Attributes gelu_tanh;
  gelu_tanh.set_string("approximate", "tanh");
  const Case cases[] = {
      {"Relu", {}, {0, 0, 0, 1, 2.5f}},
      {"LeakyRelu", with_float("alpha", 0.1f), {-0.3f, -0.1f, 0, 1, 2.5f}},
      {"Elu", with_float("alpha", 2.0f), {-1.9004259109f, -1.2642410994f, 0, 1, 2.5f}},
      {"Selu", {}, {-1.6705687046f, -1.1113307476f, 0, 1.0507010221f, 2.6267526150f}},
      {"Celu", with_float("alpha", 2.0f), {-1.5537396669f, -0.7869386673f, 0, 1, 2.5f}},
      {"Sigmoid", {}, {0.0474258736f, 0.2689414322f, 0.5f, 0.7310585976f, 0.9241418242f}},
      {"HardSigmoid", {}, {0, 0.3f, 0.5f, 0.7f, 1}},
      {"HardSwish", {}, {0, -0.3333333433f, 0, 0.6666666865f, 2.2916667461f}},
      {"Tanh", {}, {-0.9950547814f, -0.7615941763f, 0, 0.7615941763f, 0.9866142869f}},
      {"Softplus", {}, {0.0485873520f, 0.3132616878f, 0.6931471825f, 1.3132616282f, 2.5788898468f}},
      {"Softsign", {}, {-0.75f, -0.5f, 0, 0.5f, 0.7142857313f}},
      {"ThresholdedRelu", {}, {0, 0, 0, 0, 2.5f}},
      {"Gelu", {}, {-0.0040498674f, -0.1586552858f, 0, 0.8413447142f, 2.4844758511f}},
      {"Gelu", gelu_tanh, {-0.0036374331f, -0.1588079929f, 0, 0.8411920071f, 2.4849157333f}},
      {"Mish", {}, {-0.1456474662f, -0.3034014404f, 0, 0.8650983572f, 2.4713923931f}},
  };
  for (const Case& c : cases) EXPECT_TRUE(tensors_near(run_op1(c.op, {kX}, c.attrs), f32({5}, c.expected))) << c.op;
}

TEST(ActivationTest, SigmoidAndSoftplusDoNotOverflow) {
  Tensor x = f32({2}, {-1000, 1000});
  EXPECT_TRUE(tensors_near(run_op1("Sigmoid", {x}), f32({2}, {0, 1})));
  EXPECT_TRUE(tensors_near(run_op1("Softplus", {x}), f32({2}, {0, 1000})));
}

TEST(ActivationTest, ShrinkFloatAndInt) {
  Attributes a;
  a.set_float("lambd", 1.5f);
  a.set_float("bias", 1.5f);
  EXPECT_TRUE(tensors_near(run_op1("Shrink", {f32({5}, {-2, -1, 0, 1, 2})}, a), f32({5}, {-0.5f, 0, 0, 0, 0.5f})));
  Tensor i = run_op1("Shrink", {Tensor::from<int32_t>({3}, {-5, 1, 5})}, a);
  EXPECT_EQ(i.as<int32_t>()[0], -3);
  EXPECT_EQ(i.as<int32_t>()[1], 0);
  EXPECT_EQ(i.as<int32_t>()[2], 3);
}

TEST(ActivationTest, ReluOnIntegers) {
  Tensor r = run_op1("Relu", {Tensor::from<int8_t>({3}, {-128, 0, 127})});
  EXPECT_EQ(r.as<int8_t>()[0], 0);
  EXPECT_EQ(r.as<int8_t>()[2], 127);
}

TEST(ActivationTest, PReluBroadcastsSlopePerChannel) {
  Tensor x = f32({2, 2, 2}, {-1, 1, -2, 2, -3, 3, -4, 4});
  Tensor slope = f32({2, 1}, {0.5f, 0.25f});
  EXPECT_TRUE(tensors_near(run_op1("PRelu", {x, slope}), f32({2, 2, 2}, {-0.5f, 1, -0.5f, 2, -1.5f, 3, -1, 4})));
  // Slope may not grow X (unidirectional broadcast).
  EXPECT_THROW(run_op1("PRelu", {f32({2}, {1, 2}), f32({2, 2}, {1, 1, 1, 1})}), Error);
}

TEST(ActivationTest, ClipWithOptionalBounds) {
  Tensor x = f32({5}, {-3, -1, 0, 1, 3});
  Tensor lo = f32({}, {-1.5f}), hi = f32({}, {2});
  EXPECT_TRUE(tensors_near(run_op("Clip", {{x}, {lo}, {hi}})[0], f32({5}, {-1.5f, -1, 0, 1, 2})));
  EXPECT_TRUE(tensors_near(run_op("Clip", {{x}, {}, {hi}})[0], f32({5}, {-3, -1, 0, 1, 2})));
  EXPECT_TRUE(tensors_near(run_op("Clip", {{x}, {lo}})[0], f32({5}, {-1.5f, -1, 0, 1, 3})));
  EXPECT_TRUE(tensors_near(run_op1("Clip", {x}), x));
  // min > max: everything becomes max.
  EXPECT_TRUE(tensors_near(run_op("Clip", {{x}, {hi}, {lo}})[0], f32({5}, {-1.5f, -1.5f, -1.5f, -1.5f, -1.5f})));
  Tensor i8 = run_op("Clip", {{Tensor::from<int8_t>({3}, {-100, 5, 100})},
                              {Tensor::from<int8_t>({}, {-10})}, {Tensor::from<int8_t>({}, {10})}})[0];
  EXPECT_EQ(i8.as<int8_t>()[0], -10);
  EXPECT_EQ(i8.as<int8_t>()[1], 5);
  EXPECT_EQ(i8.as<int8_t>()[2], 10);
  EXPECT_THROW(run_op("Clip", {{x}, {f32({2}, {0, 1})}}), Error);  // bounds must be scalars
}

TEST(ActivationTest, BadAttributesAndTypes) {
  Attributes bad;
  bad.set_string("approximate", "erf");
  EXPECT_THROW(run_op1("Gelu", {kX}, bad), Error);
  EXPECT_THROW(run_op1("Sigmoid", {Tensor::from<int32_t>({1}, {1})}), Error);
}

}  // namespace
}  // namespace wisp::test
