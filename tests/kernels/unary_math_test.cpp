// Unary math ops through a Session; expected values from NumPy (float32).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp::test {
namespace {

Tensor f32(const Shape& s, std::initializer_list<float> v) { return Tensor::from<float>(s, v); }

TEST(UnaryMathTest, RoundHalvesToEven) {
  Tensor x = f32({8}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.0f, 3.7f});
  EXPECT_TRUE(tensors_near(run_op1("Round", {x}), f32({8}, {-2, -2, -0.0f, 0, 2, 2, 0, 4}), 0, 0));
}

TEST(UnaryMathTest, SignFloorCeilAbsNegReciprocal) {
  Tensor x = f32({2, 3}, {-2.5f, -0.5f, 0.0f, 0.5f, 1.5f, 3.0f});
  EXPECT_TRUE(tensors_near(run_op1("Sign", {x}), f32({2, 3}, {-1, -1, 0, 1, 1, 1}), 0, 0));
  EXPECT_TRUE(tensors_near(run_op1("Floor", {x}), f32({2, 3}, {-3, -1, 0, 0, 1, 3}), 0, 0));
  EXPECT_TRUE(tensors_near(run_op1("Ceil", {x}), f32({2, 3}, {-2, -0.0f, 0, 1, 2, 3}), 0, 0));
  EXPECT_TRUE(tensors_near(run_op1("Abs", {x}), f32({2, 3}, {2.5f, 0.5f, 0, 0.5f, 1.5f, 3}), 0, 0));
  EXPECT_TRUE(tensors_near(run_op1("Neg", {x}), f32({2, 3}, {2.5f, 0.5f, 0, -0.5f, -1.5f, -3}), 0, 0));
  Tensor r = run_op1("Reciprocal", {f32({3}, {2, -4, 0.5f})});
  EXPECT_TRUE(tensors_near(r, f32({3}, {0.5f, -0.25f, 2})));
}

TEST(UnaryMathTest, TranscendentalMatchNumpy) {
  Tensor v = f32({3}, {0.1f, 0.5f, 0.9f});
  struct Case {
    const char* op;
    std::initializer_list<float> expected;
  };
  const Case cases[] = {
      {"Sin", {0.0998334214f, 0.4794255495f, 0.7833269238f}},
      {"Cos", {0.9950041771f, 0.8775825500f, 0.6216099858f}},
      {"Tan", {0.1003346741f, 0.5463024974f, 1.2601580620f}},
      {"Asin", {0.1001674235f, 0.5235987902f, 1.1197695732f}},
      {"Acos", {1.4706289768f, 1.0471975803f, 0.4510268569f}},
      {"Atan", {0.0996686518f, 0.4636476040f, 0.7328150868f}},
      {"Sinh", {0.1001667529f, 0.5210952759f, 1.0265166759f}},
      {"Cosh", {1.0050042868f, 1.1276260614f, 1.4330863953f}},
      {"Asinh", {0.0998340771f, 0.4812118113f, 0.8088669181f}},
      {"Atanh", {0.1003353521f, 0.5493061543f, 1.4722193480f}},
      {"Exp", {1.1051709652f, 1.6487212181f, 2.4596030712f}},
      {"Log", {-2.3025851250f, -0.6931471825f, -0.1053605452f}},
      {"Sqrt", {0.3162277639f, 0.7071067691f, 0.9486832619f}},
      {"Erf", {0.1124629155f, 0.5204998851f, 0.7969081998f}},
  };
  for (const Case& c : cases) EXPECT_TRUE(tensors_near(run_op1(c.op, {v}), f32({3}, c.expected))) << c.op;
  EXPECT_TRUE(tensors_near(run_op1("Acosh", {f32({3}, {1, 2, 10})}), f32({3}, {0, 1.3169579506f, 2.9932229519f})));
}

TEST(UnaryMathTest, Float16AndDoubleComputeCorrectly) {
  Tensor h = Tensor::from<Float16>({3}, {Float16(0.1f), Float16(0.5f), Float16(-2.0f)});
  Tensor e = run_op1("Exp", {h});
  ASSERT_EQ(e.dtype(), DType::kF16);
  // NumPy: np.exp(h.astype(np.float32)).astype(np.float16), exact.
  EXPECT_TRUE(tensors_near(e, Tensor::from<Float16>({3}, {Float16(1.10546875f), Float16(1.6484375f), Float16(0.1353759765625f)}),
                           0, 0));
  Tensor d = run_op1("Sqrt", {Tensor::from<double>({2}, {2.0, 9.0})});
  EXPECT_DOUBLE_EQ(d.as<double>()[0], std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(d.as<double>()[1], 3.0);
}

TEST(UnaryMathTest, IntegerAbsNegSignWrapAtMinimum) {
  Tensor x = Tensor::from<int32_t>({4}, {std::numeric_limits<int32_t>::min(), -7, 0, 5});
  Tensor a = run_op1("Abs", {x});
  EXPECT_EQ(a.as<int32_t>()[0], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(a.as<int32_t>()[1], 7);
  EXPECT_EQ(a.as<int32_t>()[3], 5);
  Tensor n = run_op1("Neg", {Tensor::from<int8_t>({3}, {-128, -7, 5})});
  EXPECT_EQ(n.as<int8_t>()[0], -128);
  EXPECT_EQ(n.as<int8_t>()[1], 7);
  EXPECT_EQ(n.as<int8_t>()[2], -5);
  Tensor s = run_op1("Sign", {Tensor::from<int64_t>({3}, {-9, 0, 4})});
  EXPECT_EQ(s.as<int64_t>()[0], -1);
  EXPECT_EQ(s.as<int64_t>()[1], 0);
  EXPECT_EQ(s.as<int64_t>()[2], 1);
  Tensor u = run_op1("Sign", {Tensor::from<uint8_t>({2}, {0, 200})});
  EXPECT_EQ(u.as<uint8_t>()[0], 0);
  EXPECT_EQ(u.as<uint8_t>()[1], 1);
}

TEST(UnaryMathTest, IsNaNIsInfNotBitwiseNot) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = f32({4}, {-inf, 1.0f, inf, nan});
  Tensor isnan = run_op1("IsNaN", {x});
  ASSERT_EQ(isnan.dtype(), DType::kBool);
  EXPECT_EQ(std::vector<bool>(isnan.as<bool>(), isnan.as<bool>() + 4), (std::vector<bool>{false, false, false, true}));
  Attributes pos_only;
  pos_only.set_int("detect_negative", 0);
  Tensor isinf = run_op1("IsInf", {x}, pos_only);
  EXPECT_EQ(std::vector<bool>(isinf.as<bool>(), isinf.as<bool>() + 4), (std::vector<bool>{false, false, true, false}));
  Tensor both = run_op1("IsInf", {x});
  EXPECT_EQ(std::vector<bool>(both.as<bool>(), both.as<bool>() + 4), (std::vector<bool>{true, false, true, false}));

  Tensor b = run_op1("Not", {Tensor::from<bool>({2}, {true, false})});
  EXPECT_FALSE(b.as<bool>()[0]);
  EXPECT_TRUE(b.as<bool>()[1]);
  Tensor bn = run_op1("BitwiseNot", {Tensor::from<uint8_t>({2}, {0x0f, 0xff})});
  EXPECT_EQ(bn.as<uint8_t>()[0], 0xf0);
  EXPECT_EQ(bn.as<uint8_t>()[1], 0x00);
}

TEST(UnaryMathTest, EmptyTensorAndRejectedTypes) {
  Tensor empty(DType::kF32, Shape{0, 3});
  Tensor out = run_op1("Exp", {empty});
  EXPECT_EQ(out.shape(), (Shape{0, 3}));
  try {
    run_op1("Sqrt", {Tensor::from<int32_t>({1}, {4})});
    FAIL() << "Sqrt on int32 must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("i32"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_op1("Not", {f32({1}, {1})}), Error);
}

}  // namespace
}  // namespace wisp::test
