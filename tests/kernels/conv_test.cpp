// Conv / ConvTranspose / ConvInteger / QLinearConv against PyTorch and hand-computed values.
#include <gtest/gtest.h>

#include "kernels/ref/conv_geometry.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::run_op1;
using test::tensors_near;

// x[i] = start + i * step over the shape.
Tensor ramp(const Shape& s, float start, float step) {
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = start + static_cast<float>(i) * step;
  return t;
}

double sum_of(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += t.scalar_as_double(i);
  return s;
}

TEST(ConvGeometry, SameUpperLowerAndCeil) {
  ref::WindowAttrs a;
  a.kernel = {3};
  a.strides = {2};
  a.auto_pad = ref::AutoPad::kSameUpper;
  ref::WindowGeometry g = ref::window_geometry({6}, a);
  EXPECT_EQ(g.out[2], 3);
  EXPECT_EQ(g.pad_begin[2], 0);
  EXPECT_EQ(g.pad_end[2], 1);
  a.auto_pad = ref::AutoPad::kSameLower;
  g = ref::window_geometry({6}, a);
  EXPECT_EQ(g.pad_begin[2], 1);
  EXPECT_EQ(g.pad_end[2], 0);
  a.auto_pad = ref::AutoPad::kNotSet;
  a.ceil_mode = true;
  g = ref::window_geometry({6}, a);  // (6-3)/2 = 1.5 -> ceil 2, +1
  EXPECT_EQ(g.out[2], 3);
  EXPECT_THROW(ref::parse_auto_pad("SAME"), Error);
}

TEST(Conv, GroupedStridedPaddedWithBiasMatchesPyTorch) {
  // torch.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=2)
  Tensor x = ramp({2, 4, 5, 5}, -1.0f, 1.0f / 50);
  Tensor w = ramp({6, 2, 3, 3}, -1.0f, 1.0f / 30);
  Tensor b = Tensor::from<float>({6}, {0.5f, -0.5f, 1, 0, 0.25f, -1});
  Attributes at;
  at.set_ints("strides", {2, 2});
  at.set_ints("pads", {1, 1, 1, 1});
  at.set_int("group", 2);
  Tensor y = run_op1("Conv", {x, w, b}, at);
  ASSERT_EQ(y.shape(), (Shape{2, 6, 3, 3}));
  const float first[] = {4.409333229f, 6.265333652f, 4.265333175f, 5.567999839f, 7.881999015f, 5.256000518f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(y.as<float>()[i], first[i], 1e-4) << i;
  EXPECT_NEAR(y.as<float>()[y.numel() - 1], 46.669334411f, 1e-3);
  EXPECT_NEAR(sum_of(y), 1489.7880859375, 1e-2);
}

TEST(Conv, PointwiseF64AndF16) {
  Tensor x = Tensor::from<double>({1, 2, 1, 2}, {1, 2, 3, 4});
  Tensor w = Tensor::from<double>({1, 2, 1, 1}, {10, 100});
  EXPECT_TRUE(tensors_near(run_op1("Conv", {x, w}), Tensor::from<double>({1, 1, 1, 2}, {310, 420})));
  Tensor xh = Tensor::from<Float16>({1, 1, 3}, {Float16(1), Float16(2), Float16(3)});
  Tensor wh = Tensor::from<Float16>({1, 1, 2}, {Float16(1), Float16(-1)});
  EXPECT_TRUE(tensors_near(run_op1("Conv", {xh, wh}), Tensor::from<Float16>({1, 1, 2}, {Float16(-1), Float16(-1)})));
}

TEST(Conv, ErrorsOnChannelMismatch) {
  Tensor x = ramp({1, 3, 4, 4}, 0, 1);
  Tensor w = ramp({2, 2, 3, 3}, 0, 1);
  EXPECT_THROW(run_op1("Conv", {x, w}), Error);
  Attributes at;
  at.set_string("auto_pad", "BOGUS");
  EXPECT_THROW(run_op1("Conv", {ramp({1, 2, 4, 4}, 0, 1), w}, at), Error);
}

TEST(ConvTranspose, StridedPaddedOutputPaddingMatchesPyTorch) {
  // torch conv_transpose2d(x[:, :2], w[:2], stride=2, padding=1, output_padding=1)
  Tensor x(DType::kF32, {2, 2, 5, 5});
  Tensor full = ramp({2, 4, 5, 5}, -1.0f, 1.0f / 50);
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 50; ++i) x.as<float>()[n * 50 + i] = full.as<float>()[n * 100 + i];
  Tensor w = ramp({2, 2, 3, 3}, -1.0f, 1.0f / 30);
  Attributes at;
  at.set_ints("strides", {2, 2});
  at.set_ints("pads", {1, 1, 1, 1});
  at.set_ints("output_padding", {1, 1});
  Tensor y = run_op1("ConvTranspose", {x, w}, at);
  ASSERT_EQ(y.shape(), (Shape{2, 2, 10, 10}));
  EXPECT_NEAR(y.as<float>()[0], 1.0, 1e-5);
  EXPECT_NEAR(y.as<float>()[1], 1.976000070, 1e-5);
  EXPECT_NEAR(y.as<float>()[3], 1.930666685, 1e-5);
  EXPECT_NEAR(sum_of(y), -208.72000122070312, 1e-2);
}

TEST(ConvInteger, ZeroPointsAndPadding) {
  // x - 1 = [[0,1],[2,3]], w - 0 = ones 2x2, pads 1 -> 3x3 of window sums.
  Tensor x = Tensor::from<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = Tensor::from<uint8_t>({1, 1, 2, 2}, {1, 1, 1, 1});
  Attributes at;
  at.set_ints("pads", {1, 1, 1, 1});
  Tensor y = run_op("ConvInteger", {{x}, {w}, {Tensor::from<uint8_t>({}, {1})}}, at)[0];
  EXPECT_TRUE(tensors_near(y, Tensor::from<int32_t>({1, 1, 3, 3}, {0, 1, 1, 2, 6, 4, 2, 5, 3})));
}

TEST(QLinearConv, RequantizesWithBiasAndPerChannelScale) {
  // x = [2, 4] (zp 0, scale 0.5) -> real [1, 2]; w channels: [1] scale 1, [3] scale 0.5 (zp 0)
  // bias = [2, 0] (int32 in x_scale*w_scale units); y scale 0.25, zp 10.
  Tensor x = Tensor::from<uint8_t>({1, 1, 2}, {2, 4});
  Tensor w = Tensor::from<int8_t>({2, 1, 1}, {1, 3});
  Tensor y = run_op("QLinearConv",
                    {{x}, {Tensor::from<float>({}, {0.5f})}, {Tensor::from<uint8_t>({}, {0})}, {w},
                     {Tensor::from<float>({2}, {1.0f, 0.5f})}, {Tensor::from<int8_t>({2}, {0, 0})},
                     {Tensor::from<float>({}, {0.25f})}, {Tensor::from<uint8_t>({}, {10})},
                     {Tensor::from<int32_t>({2}, {2, 0})}})[0];
  // ch0: (x*1 + 2) * 0.5*1/0.25 = 2*(x+2) -> 8, 12 (+10); ch1: 3x * 0.5*0.5/0.25 = 3x -> 6, 12 (+10)
  EXPECT_TRUE(tensors_near(y, Tensor::from<uint8_t>({1, 2, 2}, {18, 22, 16, 22})));
}

}  // namespace
}  // namespace wisp
