// Constant, ConstantOfShape, Shape, Size.
#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

TEST(Constant, ValueForms) {
  Attributes at;
  at.set_tensor("value", Tensor::from<float>({2}, {1.5f, 2.5f}));
  EXPECT_EQ(values_of<float>(run_op("Constant", {}, at)[0]), (std::vector<float>{1.5f, 2.5f}));
  Attributes ints;
  ints.set_ints("value_ints", {4, 5, 6});
  EXPECT_EQ(values_of<int64_t>(run_op("Constant", {}, ints)[0]), (std::vector<int64_t>{4, 5, 6}));
  Attributes f;
  f.set_float("value_float", 3.f);
  EXPECT_EQ(run_op("Constant", {}, f)[0].shape(), Shape{});
  Attributes s;
  s.set_string("value_string", "hi");
  EXPECT_EQ(error_code_of([&] { run_op("Constant", {}, s); }), ErrorCode::kUnsupported);
}

TEST(ConstantOfShape, DefaultAndTyped) {
  Tensor out = run_op("ConstantOfShape", {{i64s({2, 3})}})[0];
  EXPECT_EQ(out.dtype(), DType::kF32);
  EXPECT_EQ(values_of<float>(out), std::vector<float>(6, 0.f));
  Attributes at;
  at.set_tensor("value", Tensor::from<int32_t>({1}, {7}));
  out = run_op("ConstantOfShape", {{i64s({2}), true}}, at)[0];
  EXPECT_EQ(values_of<int32_t>(out), (std::vector<int32_t>{7, 7}));
  EXPECT_EQ(run_op("ConstantOfShape", {{i64s({0})}}, at)[0].shape(), (Shape{0}));
  EXPECT_EQ(error_code_of([&] { run_op("ConstantOfShape", {{i64s({1 << 20, 1 << 20}), true}}); }),
            ErrorCode::kResourceExhausted);
}

TEST(Shape, StartEnd) {
  const Tensor x = iota_f32({2, 3, 4, 5});
  EXPECT_EQ(values_of<int64_t>(run_op1("Shape", {x})), (std::vector<int64_t>{2, 3, 4, 5}));
  Attributes at;
  at.set_int("start", -3);
  at.set_int("end", -1);
  EXPECT_EQ(values_of<int64_t>(run_op1("Shape", {x}, at)), (std::vector<int64_t>{3, 4}));
  at.set_int("start", 10);
  EXPECT_EQ(run_op1("Shape", {x}, at).numel(), 0);
  EXPECT_EQ(values_of<int64_t>(run_op1("Size", {x})), (std::vector<int64_t>{120}));
}

}  // namespace
}  // namespace wisp::test
