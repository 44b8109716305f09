// NonZero, Compress, ReverseSequence, Unique, OneHot, Range, EyeLike. Values from NumPy
// (np.nonzero, np.unique, np.eye) and PyTorch (one_hot) or the ONNX spec examples.
#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;
using I = std::vector<int64_t>;

TEST(NonZero, Coordinates) {
  const Tensor out = run_op1("NonZero", {Tensor::from<float>({2, 2}, {1, 0, 1, 1})});
  EXPECT_EQ(out.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<int64_t>(out), (I{0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(run_op1("NonZero", {Tensor(DType::kI32, {3})}).shape(), (Shape{1, 0}));
}

TEST(Compress, AxisAndFlat) {
  const Tensor x = iota_f32({3, 2});
  const Tensor cond = Tensor::from<bool>({2}, {false, true});
  Attributes at;
  at.set_int("axis", 1);
  for (bool constant : {true, false}) {
    auto out = run_op("Compress", {{x}, {cond, constant}}, at);
    EXPECT_EQ(out[0].shape(), (Shape{3, 1}));
    EXPECT_EQ(values_of<float>(out[0]), (V{1, 3, 5}));
  }
  EXPECT_EQ(values_of<float>(run_op1("Compress", {x, Tensor::from<bool>({3}, {true, false, true})})), (V{0, 2}));
}

TEST(ReverseSequence, TimeMajorAndErrors) {
  // ONNX spec example (time_axis 0, batch_axis 1), 4x4, lens [4, 3, 2, 1].
  const Tensor x = iota_f32({4, 4});
  const Tensor out = run_op1("ReverseSequence", {x, i64s({4, 3, 2, 1})});
  EXPECT_EQ(values_of<float>(out), (V{12, 9, 6, 3, 8, 5, 2, 7, 4, 1, 10, 11, 0, 13, 14, 15}));
  EXPECT_EQ(error_code_of([&] { run_op1("ReverseSequence", {x, i64s({5, 1, 1, 1})}); }), ErrorCode::kOutOfRange);
}

TEST(Unique, FlatSortedAndUnsorted) {
  const Tensor y = Tensor::from<float>({6}, {2, 1, 1, 3, 4, 3});
  auto out = run_op("Unique", {{y}}, Attributes{}, 4);
  EXPECT_EQ(values_of<float>(out[0]), (V{1, 2, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(out[1]), (I{1, 0, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(out[2]), (I{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(values_of<int64_t>(out[3]), (I{2, 1, 2, 1}));
  Attributes at;
  at.set_int("sorted", 0);
  out = run_op("Unique", {{y}}, at, 4);
  EXPECT_EQ(values_of<float>(out[0]), (V{2, 1, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(out[2]), (I{0, 1, 1, 2, 3, 2}));
}

TEST(Unique, Axis0) {
  Attributes at;
  at.set_int("axis", 0);
  auto out = run_op("Unique", {{Tensor::from<float>({3, 3}, {2, 1, 1, 3, 4, 3, 2, 1, 1})}}, at, 4);
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<float>(out[0]), (V{2, 1, 1, 3, 4, 3}));
  EXPECT_EQ(values_of<int64_t>(out[2]), (I{0, 1, 0}));
  EXPECT_EQ(values_of<int64_t>(out[3]), (I{2, 1}));
}

TEST(OneHot, NegativeIndicesAndAxis) {
  const Tensor values = Tensor::from<int32_t>({2}, {0, 1});
  for (bool constant : {true, false}) {
    auto out = run_op("OneHot", {{i64s({1, -1, 0, 9})}, {Tensor::from<float>({}, {4}), constant}, {values}});
    EXPECT_EQ(out[0].shape(), (Shape{4, 4}));
    // 9 is outside [-4, 3]: all off, as the spec says.
    EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0}));
  }
  Attributes at;
  at.set_int("axis", 0);
  auto out = run_op("OneHot", {{i64s({1, 0})}, {Tensor::from<int64_t>({1}, {2}), true}, {values}}, at);
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 1, 1, 0}));
}

TEST(Range, FloatIntAndEmpty) {
  auto f = [](float v) { return Tensor::from<float>({}, {v}); };
  auto i = [](int32_t v) { return Tensor::from<int32_t>({}, {v}); };
  EXPECT_EQ(values_of<float>(run_op1("Range", {f(1), f(2), f(0.25f)})), (V{1, 1.25f, 1.5f, 1.75f}));
  auto out = run_op("Range", {{i(10), true}, {i(4), true}, {i(-3), true}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{10, 7}));
  EXPECT_EQ(run_op1("Range", {i(3), i(1), i(1)}).numel(), 0);
  EXPECT_NE(error_code_of([&] { run_op1("Range", {i(0), i(4), i(0)}); }), ErrorCode::kOk);
}

TEST(EyeLike, OffDiagonalAndDtype) {
  Attributes at;
  at.set_int("k", 1);
  EXPECT_EQ(values_of<float>(run_op1("EyeLike", {Tensor(DType::kF32, {3, 4})}, at)),
            (V{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  at.set_int("dtype", static_cast<int64_t>(DType::kI32));
  at.set_int("k", -5);
  const Tensor out = run_op1("EyeLike", {Tensor(DType::kF32, {2, 2})}, at);
  EXPECT_EQ(out.dtype(), DType::kI32);
  EXPECT_EQ(values_of<int32_t>(out), (std::vector<int32_t>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace wisp::test
