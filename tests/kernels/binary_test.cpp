// Binary and variadic elementwise ops; expected values by hand / NumPy.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp::test {
namespace {

Tensor f32(const Shape& s, std::initializer_list<float> v) { return Tensor::from<float>(s, v); }
template <class T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.as<T>(), t.as<T>() + t.numel());
}

TEST(BinaryTest, ArithmeticBroadcasts) {
  Tensor a = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor row = f32({3}, {10, 20, 30});
  Tensor col = f32({2, 1}, {100, 200});
  EXPECT_TRUE(tensors_near(run_op1("Add", {a, row}), f32({2, 3}, {11, 22, 33, 14, 25, 36})));
  EXPECT_TRUE(tensors_near(run_op1("Sub", {a, col}), f32({2, 3}, {-99, -98, -97, -196, -195, -194})));
  EXPECT_TRUE(tensors_near(run_op1("Mul", {row, col}), f32({2, 3}, {1000, 2000, 3000, 2000, 4000, 6000})));
  EXPECT_TRUE(tensors_near(run_op1("Div", {a, f32({}, {2})}), f32({2, 3}, {0.5f, 1, 1.5f, 2, 2.5f, 3})));
  // Scalar on the left, and a 4-D broadcast with an inner run ([N,C,H,W] + [1,C,1,1]).
  EXPECT_TRUE(tensors_near(run_op1("Sub", {f32({}, {1}), row}), f32({3}, {-9, -19, -29})));
  Tensor x(DType::kF32, Shape{2, 3, 2, 2});
  for (int i = 0; i < 24; ++i) x.as<float>()[i] = static_cast<float>(i);
  Tensor bias = f32({1, 3, 1, 1}, {0, 100, 200});
  Tensor y = run_op1("Add", {x, bias});
  for (int i = 0; i < 24; ++i) EXPECT_EQ(y.as<float>()[i], static_cast<float>(i + 100 * ((i / 4) % 3))) << i;
}

TEST(BinaryTest, IncompatibleShapesAreRejected) {
  EXPECT_THROW(run_op1("Add", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2}, {1, 2})}), Error);
  EXPECT_THROW(run_op1("Add", {f32({1}, {1}), Tensor::from<int32_t>({1}, {1})}), Error);  // type mismatch
}

TEST(BinaryTest, IntegerDivisionTruncatesAndWraps) {
  Tensor a = Tensor::from<int32_t>({5}, {7, -7, 7, -7, std::numeric_limits<int32_t>::min()});
  Tensor b = Tensor::from<int32_t>({5}, {2, 2, -2, -2, -1});
  EXPECT_EQ(values<int32_t>(run_op1("Div", {a, b})),
            (std::vector<int32_t>{3, -3, -3, 3, std::numeric_limits<int32_t>::min()}));
  EXPECT_THROW(run_op1("Div", {a, Tensor::from<int32_t>({}, {0})}), Error);
  Tensor u = run_op1("Add", {Tensor::from<uint8_t>({2}, {250, 3}), Tensor::from<uint8_t>({2}, {10, 4})});
  EXPECT_EQ(values<uint8_t>(u), (std::vector<uint8_t>{4, 7}));  // wraps modulo 256
  Tensor m = run_op1("Mul", {Tensor::from<int64_t>({1}, {std::numeric_limits<int64_t>::max()}),
                             Tensor::from<int64_t>({1}, {2})});
  EXPECT_EQ(m.as<int64_t>()[0], -2);  // wraps instead of undefined behaviour
}

TEST(BinaryTest, ModSignConventions) {
  Tensor a = Tensor::from<int32_t>({4}, {-4, 7, 5, -5});
  Tensor b = Tensor::from<int32_t>({4}, {3, -3, -2, 3});
  // NumPy: np.mod -> [2,-2,-1,1] (sign of divisor), np.fmod -> [-1,1,1,-2].
  EXPECT_EQ(values<int32_t>(run_op1("Mod", {a, b})), (std::vector<int32_t>{2, -2, -1, 1}));
  Attributes fmod;
  fmod.set_int("fmod", 1);
  EXPECT_EQ(values<int32_t>(run_op1("Mod", {a, b}, fmod)), (std::vector<int32_t>{-1, 1, 1, -2}));
  Tensor f = run_op1("Mod", {f32({2}, {-4.5f, 7.5f}), f32({2}, {2, -2})}, fmod);
  EXPECT_TRUE(tensors_near(f, f32({2}, {-0.5f, 1.5f})));
  EXPECT_THROW(run_op1("Mod", {a, Tensor::from<int32_t>({}, {0})}), Error);
}

TEST(BinaryTest, PowWithMixedTypes) {
  EXPECT_TRUE(tensors_near(run_op1("Pow", {f32({3}, {2, 4, 9}), f32({3}, {3, 0.5f, -1})}),
                           f32({3}, {8, 2, 1.0f / 9})));
  Tensor fi = run_op1("Pow", {f32({2}, {2, 3}), Tensor::from<int64_t>({2}, {10, 2})});
  EXPECT_TRUE(tensors_near(fi, f32({2}, {1024, 9})));
  Tensor ii = run_op1("Pow", {Tensor::from<int32_t>({3}, {3, -2, 5}), Tensor::from<int32_t>({3}, {4, 3, 0})});
  EXPECT_EQ(values<int32_t>(ii), (std::vector<int32_t>{81, -8, 1}));
  Tensor if32 = run_op1("Pow", {Tensor::from<int64_t>({2}, {4, 2}), f32({2}, {0.5f, 3})});
  EXPECT_EQ(values<int64_t>(if32), (std::vector<int64_t>{2, 8}));
}

TEST(BinaryTest, BitShiftAndBitwise) {
  Attributes left, right;
  left.set_string("direction", "LEFT");
  right.set_string("direction", "RIGHT");
  Tensor x = Tensor::from<uint8_t>({3}, {16, 4, 1});
  Tensor s = Tensor::from<uint8_t>({3}, {1, 2, 9});
  EXPECT_EQ(values<uint8_t>(run_op1("BitShift", {x, s}, left)), (std::vector<uint8_t>{32, 16, 0}));
  EXPECT_EQ(values<uint8_t>(run_op1("BitShift", {x, s}, right)), (std::vector<uint8_t>{8, 1, 0}));
  EXPECT_THROW(run_op1("BitShift", {x, s}), Error);  // direction is required
  Tensor a = Tensor::from<int32_t>({2}, {0b1100, -1}), b = Tensor::from<int32_t>({2}, {0b1010, 5});
  EXPECT_EQ(values<int32_t>(run_op1("BitwiseAnd", {a, b})), (std::vector<int32_t>{0b1000, 5}));
  EXPECT_EQ(values<int32_t>(run_op1("BitwiseOr", {a, b})), (std::vector<int32_t>{0b1110, -1}));
  EXPECT_EQ(values<int32_t>(run_op1("BitwiseXor", {a, b})), (std::vector<int32_t>{0b0110, -6}));
}

TEST(BinaryTest, LogicAndComparisonsGiveBool) {
  Tensor p = Tensor::from<bool>({4}, {true, true, false, false});
  Tensor q = Tensor::from<bool>({4}, {true, false, true, false});
  EXPECT_EQ(values<bool>(run_op1("And", {p, q})), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(values<bool>(run_op1("Or", {p, q})), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(values<bool>(run_op1("Xor", {p, q})), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(values<bool>(run_op1("Equal", {p, q})), (std::vector<bool>{true, false, false, true}));

  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = f32({4}, {1, 2, 3, nan});
  Tensor b = f32({}, {2});
  Tensor gt = run_op1("Greater", {a, b});
  ASSERT_EQ(gt.dtype(), DType::kBool);
  EXPECT_EQ(values<bool>(gt), (std::vector<bool>{false, false, true, false}));
  EXPECT_EQ(values<bool>(run_op1("Less", {a, b})), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(values<bool>(run_op1("GreaterOrEqual", {a, b})), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(values<bool>(run_op1("LessOrEqual", {a, b})), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(values<bool>(run_op1("Equal", {a, b})), (std::vector<bool>{false, true, false, false}));
  EXPECT_THROW(run_op1("And", {a, b}), Error);  // logic ops take bool only
}

TEST(BinaryTest, Float16ComputesInFloat) {
  Tensor a = Tensor::from<Float16>({2}, {Float16(1.0f), Float16(2048.0f)});
  Tensor b = Tensor::from<Float16>({2}, {Float16(0.0009765625f), Float16(1.0f)});
  Tensor s = run_op1("Add", {a, b});
  ASSERT_EQ(s.dtype(), DType::kF16);
  EXPECT_EQ(static_cast<float>(s.as<Float16>()[0]), 1.0009765625f);
  EXPECT_EQ(static_cast<float>(s.as<Float16>()[1]), 2048.0f);  // 2049 rounds to even
}

TEST(VariadicTest, MinMaxSumMean) {
  Tensor a = f32({3}, {1, 5, 3});
  Tensor b = f32({3}, {4, 2, 6});
  Tensor c = f32({}, {3});
  EXPECT_TRUE(tensors_near(run_op1("Max", {a, b, c}), f32({3}, {4, 5, 6})));
  EXPECT_TRUE(tensors_near(run_op1("Min", {a, b, c}), f32({3}, {1, 2, 3})));
  EXPECT_TRUE(tensors_near(run_op1("Sum", {a, b, c}), f32({3}, {8, 10, 12})));
  EXPECT_TRUE(tensors_near(run_op1("Mean", {a, b, c}), f32({3}, {8.0f / 3, 10.0f / 3, 4})));
  EXPECT_TRUE(tensors_near(run_op1("Sum", {a}), a));
  // The first input may be the one that broadcasts.
  EXPECT_TRUE(tensors_near(run_op1("Max", {c, a}), f32({3}, {3, 5, 3})));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor m = run_op1("Max", {f32({2}, {nan, 1}), f32({2}, {1, nan})});
  EXPECT_TRUE(std::isnan(m.as<float>()[0]) && std::isnan(m.as<float>()[1]));
  Tensor mi = run_op1("Min", {Tensor::from<uint16_t>({2}, {7, 65535}), Tensor::from<uint16_t>({2}, {9, 3})});
  EXPECT_EQ(values<uint16_t>(mi), (std::vector<uint16_t>{7, 3}));
}

TEST(WhereTest, ThreeWayBroadcast) {
  Tensor cond = Tensor::from<bool>({2, 1}, {true, false});
  Tensor x = f32({3}, {1, 2, 3});
  Tensor y = f32({}, {-1});
  EXPECT_TRUE(tensors_near(run_op1("Where", {cond, x, y}), f32({2, 3}, {1, 2, 3, -1, -1, -1})));
  Tensor xi = Tensor::from<int64_t>({2}, {10, 20}), yi = Tensor::from<int64_t>({2}, {-10, -20});
  Tensor w = run_op1("Where", {Tensor::from<bool>({2}, {false, true}), xi, yi});
  EXPECT_EQ(values<int64_t>(w), (std::vector<int64_t>{-10, 20}));
  EXPECT_THROW(run_op1("Where", {f32({1}, {1}), x, y}), Error);  // condition must be bool
}

}  // namespace
}  // namespace wisp::test
