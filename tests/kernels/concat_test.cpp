#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;

TEST(Concat, Axis1AndNegative) {
  const Tensor a = iota_f32({2, 2}), b = Tensor::from<float>({2, 1}, {10, 11});
  Attributes at;
  at.set_int("axis", -1);
  const Tensor out = run_op1("Concat", {a, b}, at);
  EXPECT_EQ(out.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<float>(out), (V{0, 1, 10, 2, 3, 11}));
}

TEST(Concat, Int64ShapeVectorsAndEmpty) {
  Attributes at;
  at.set_int("axis", 0);
  const Tensor out = run_op1("Concat", {i64s({1, 2}), i64s({}), i64s({3})}, at);
  EXPECT_EQ(values_of<int64_t>(out), (std::vector<int64_t>{1, 2, 3}));
}

TEST(Concat, MismatchIsInvalid) {
  Attributes at;
  at.set_int("axis", 0);
  EXPECT_EQ(error_code_of([&] { run_op1("Concat", {iota_f32({2, 2}), iota_f32({2, 3})}, at); }),
            ErrorCode::kInvalidModel);
}

TEST(Split, EqualVariableAndNumOutputs) {
  const Tensor x = iota_f32({2, 6});
  Attributes at;
  at.set_int("axis", 1);
  auto out = run_op("Split", {{x}}, at, 3);
  EXPECT_EQ(values_of<float>(out[1]), (V{2, 3, 8, 9}));
  for (bool constant : {true, false}) {
    out = run_op("Split", {{x}, {i64s({1, 5}), constant}}, at, 2);
    EXPECT_EQ(out[0].shape(), (Shape{2, 1}));
    EXPECT_EQ(values_of<float>(out[1]), (V{1, 2, 3, 4, 5, 7, 8, 9, 10, 11}));
  }
  // opset 18: num_outputs=4 over 6 -> 2, 2, 2, 0.
  at.set_int("num_outputs", 4);
  out = run_op("Split", {{x}}, at, 4);
  EXPECT_EQ(out[3].shape(), (Shape{2, 0}));
  EXPECT_EQ(error_code_of([&] { run_op("Split", {{x}, {i64s({1, 2}), true}}, Attributes{}, 2); }),
            ErrorCode::kInvalidModel);
}

}  // namespace
}  // namespace wisp::test
