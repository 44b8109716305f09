#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;

TEST(Reshape, ZeroCopiesDimAndMinusOneInfers) {
  const Tensor x = iota_f32({2, 3, 4});
  for (bool constant : {true, false}) {  // folded shape and shape known only while running
    auto out = run_op("Reshape", {{x}, {i64s({0, -1}), constant}});
    EXPECT_EQ(out[0].shape(), (Shape{2, 12}));
    EXPECT_EQ(values_of<float>(out[0]), values_of<float>(x));
  }
}

TEST(Reshape, AllowZeroMakesEmptyDim) {
  Attributes at;
  at.set_int("allowzero", 1);
  auto out = run_op("Reshape", {{Tensor(DType::kF32, {0, 3})}, {i64s({3, 0}), true}}, at);
  EXPECT_EQ(out[0].shape(), (Shape{3, 0}));
}

TEST(Reshape, Errors) {
  const Tensor x = iota_f32({2, 3});
  EXPECT_EQ(error_code_of([&] { run_op("Reshape", {{x}, {i64s({4, 2}), true}}); }), ErrorCode::kInvalidModel);
  EXPECT_EQ(error_code_of([&] { run_op("Reshape", {{x}, {i64s({-1, -1}), true}}); }), ErrorCode::kInvalidModel);
  // Element count mismatch found only while running.
  EXPECT_NE(error_code_of([&] { run_op("Reshape", {{x}, {i64s({5})}}); }), ErrorCode::kOk);
}

TEST(Flatten, Axes) {
  const Tensor x = iota_f32({2, 3, 4});
  Attributes at;
  at.set_int("axis", 0);
  EXPECT_EQ(run_op1("Flatten", {x}, at).shape(), (Shape{1, 24}));
  at.set_int("axis", -1);
  EXPECT_EQ(run_op1("Flatten", {x}, at).shape(), (Shape{6, 4}));
  at.set_int("axis", 3);
  EXPECT_EQ(run_op1("Flatten", {x}, at).shape(), (Shape{24, 1}));
  EXPECT_EQ(run_op1("Flatten", {x}).shape(), (Shape{2, 12}));
}

TEST(Squeeze, WithAndWithoutAxes) {
  const Tensor x = iota_f32({1, 3, 1, 2});
  EXPECT_EQ(run_op1("Squeeze", {x}).shape(), (Shape{3, 2}));
  auto out = run_op("Squeeze", {{x}, {i64s({-2})}});
  EXPECT_EQ(out[0].shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(values_of<float>(out[0]), (V{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(error_code_of([&] { run_op("Squeeze", {{x}, {i64s({1}), true}}); }), ErrorCode::kInvalidModel);
}

TEST(Unsqueeze, UnsortedAndNegativeAxes) {
  const Tensor x = iota_f32({3, 4});
  EXPECT_EQ(run_op("Unsqueeze", {{x}, {i64s({3, 0}), true}})[0].shape(), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(run_op("Unsqueeze", {{x}, {i64s({-1})}})[0].shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(error_code_of([&] { run_op("Unsqueeze", {{x}, {i64s({0, 0}), true}}); }), ErrorCode::kInvalidModel);
}

}  // namespace
}  // namespace wisp::test
