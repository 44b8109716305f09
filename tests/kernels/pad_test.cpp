// Pad, Trilu, DepthToSpace, SpaceToDepth. Values from NumPy (np.pad, np.triu/tril) and
// PyTorch (pixel_shuffle = CRD, pixel_unshuffle = SpaceToDepth).
#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;

TEST(Pad, Modes) {
  const Tensor x = iota_f32({2, 3});
  const Tensor pads = i64s({1, 2, 0, 1});  // ((1,0),(2,1))
  const std::pair<const char*, V> cases[] = {
      {"reflect", {5, 4, 3, 4, 5, 4, 2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4}},
      {"edge", {0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5}},
      {"wrap", {4, 5, 3, 4, 5, 3, 1, 2, 0, 1, 2, 0, 4, 5, 3, 4, 5, 3}},
  };
  for (const auto& [mode, want] : cases) {
    Attributes at;
    at.set_string("mode", mode);
    for (bool constant : {true, false}) {
      auto out = run_op("Pad", {{x}, {pads, constant}}, at);
      EXPECT_EQ(out[0].shape(), (Shape{3, 6})) << mode;
      EXPECT_EQ(values_of<float>(out[0]), want) << mode;
    }
  }
}

TEST(Pad, ConstantValueAxesAndCrop) {
  const Tensor x = iota_f32({2, 3});
  // axes=[1], pads (-1, 2): crop one column at the start, add two 9s at the end.
  auto out = run_op("Pad", {{x}, {i64s({-1, 2}), true}, {Tensor::from<float>({}, {9})}, {i64s({-1}), true}});
  EXPECT_EQ(out[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(values_of<float>(out[0]), (V{1, 2, 9, 9, 4, 5, 9, 9}));
  EXPECT_EQ(error_code_of([&] { run_op("Pad", {{x}, {i64s({0, -4, 0, 0}), true}}); }), ErrorCode::kInvalidModel);
}

TEST(Trilu, UpperLowerWithK) {
  const Tensor m = iota_f32({3, 4});
  EXPECT_EQ(values_of<float>(run_op("Trilu", {{m}, {Tensor::from<int64_t>({}, {1})}})[0]),
            (V{0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11}));
  Attributes at;
  at.set_int("upper", 0);
  EXPECT_EQ(values_of<float>(run_op("Trilu", {{m}, {Tensor::from<int64_t>({}, {-1}), true}}, at)[0]),
            (V{0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0}));
}

TEST(DepthToSpace, DcrCrdAndSpaceToDepth) {
  const Tensor x = iota_f32({1, 8, 1, 1});
  Attributes at;
  at.set_int("blocksize", 2);
  Tensor out = run_op1("DepthToSpace", {x}, at);
  EXPECT_EQ(out.shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(values_of<float>(out), (V{0, 2, 4, 6, 1, 3, 5, 7}));
  at.set_string("mode", "CRD");
  EXPECT_EQ(values_of<float>(run_op1("DepthToSpace", {x}, at)), (V{0, 1, 2, 3, 4, 5, 6, 7}));
  Attributes s2d;
  s2d.set_int("blocksize", 2);
  out = run_op1("SpaceToDepth", {iota_f32({1, 1, 4, 4})}, s2d);
  EXPECT_EQ(out.shape(), (Shape{1, 4, 2, 2}));
  EXPECT_EQ(values_of<float>(out), (V{0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15}));
  EXPECT_EQ(error_code_of([&] { run_op1("SpaceToDepth", {iota_f32({1, 1, 3, 4})}, s2d); }), ErrorCode::kInvalidModel);
}

}  // namespace
}  // namespace wisp::test
