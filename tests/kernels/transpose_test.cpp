// Transpose, Slice, Expand, Tile. Expected values from NumPy.
#include <gtest/gtest.h>

#include <limits>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;

TEST(Transpose, PermAndDefault) {
  const Tensor x = iota_f32({2, 3, 4});
  Attributes at;
  at.set_ints("perm", {1, 2, 0});
  const Tensor out = run_op1("Transpose", {x}, at);
  EXPECT_EQ(out.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(values_of<float>(out), (V{0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22,
                                      11, 23}));
  EXPECT_EQ(run_op1("Transpose", {x}).shape(), (Shape{4, 3, 2}));
  at.set_ints("perm", {0, 0, 1});
  EXPECT_EQ(error_code_of([&] { run_op1("Transpose", {x}, at); }), ErrorCode::kInvalidModel);
}

TEST(Slice, NegativeStepsAndClamping) {
  const Tensor x = iota_f32({2, 3, 4});
  const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
  for (bool constant : {true, false}) {
    // x[:, ::-2, 1:3]
    auto out = run_op("Slice", {{x}, {i64s({big, 1}), constant}, {i64s({small, 3}), constant},
                                {i64s({1, 2}), constant}, {i64s({-2, 1}), constant}});
    EXPECT_EQ(out[0].shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(values_of<float>(out[0]), (V{9, 10, 1, 2, 21, 22, 13, 14}));
    // x[1:, 2:0:-1, -100:100:3]
    out = run_op("Slice", {{x}, {i64s({1, 2, -100}), constant}, {i64s({big, 0, 100}), constant},
                           {Tensor{}}, {i64s({1, -1, 3}), constant}});
    EXPECT_EQ(out[0].shape(), (Shape{1, 2, 2}));
    EXPECT_EQ(values_of<float>(out[0]), (V{20, 23, 16, 19}));
  }
  // Empty result: start past the end.
  auto out = run_op("Slice", {{x}, {i64s({5}), true}, {i64s({10}), true}});
  EXPECT_EQ(out[0].shape(), (Shape{0, 3, 4}));
  EXPECT_EQ(error_code_of([&] { run_op("Slice", {{x}, {i64s({0}), true}, {i64s({1}), true}, {i64s({0}), true},
                                                 {i64s({0}), true}}); }),
            ErrorCode::kInvalidModel);
}

TEST(Expand, BroadcastsBothWays) {
  const Tensor x = Tensor::from<float>({3, 1}, {0, 1, 2});
  for (bool constant : {true, false}) {
    auto out = run_op("Expand", {{x}, {i64s({2, 1, 2}), constant}});
    EXPECT_EQ(out[0].shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(values_of<float>(out[0]), (V{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}));
  }
  EXPECT_EQ(error_code_of([&] { run_op("Expand", {{x}, {i64s({2, 2}), true}}); }), ErrorCode::kInvalidModel);
}

TEST(Tile, Repeats) {
  const Tensor x = iota_f32({2, 3});
  for (bool constant : {true, false}) {
    auto out = run_op("Tile", {{x}, {i64s({2, 2}), constant}});
    EXPECT_EQ(out[0].shape(), (Shape{4, 6}));
    EXPECT_EQ(values_of<float>(out[0]), (V{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  }
  EXPECT_EQ(error_code_of([&] { run_op("Tile", {{x}, {i64s({1 << 20, 1 << 20}), true}}); }),
            ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace wisp::test
