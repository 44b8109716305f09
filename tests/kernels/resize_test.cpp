// Expected values from torch.nn.functional.interpolate (bilinear/bicubic, align_corners
// False = half_pixel, True = align_corners) and grid_sample, on x = arange(16) as 4x4.
#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::tensors_near;

Tensor x44() {
  Tensor x(DType::kF32, Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x.as<float>()[i] = static_cast<float>(i);
  return x;
}
Tensor sizes(int64_t h, int64_t w) { return Tensor::from<int64_t>({4}, {1, 1, h, w}); }

Tensor resize(const std::string& mode, const std::string& coord, int64_t h, int64_t w) {
  Attributes at;
  at.set_string("mode", mode);
  at.set_string("coordinate_transformation_mode", coord);
  return run_op("Resize", {{x44()}, {}, {}, {sizes(h, w), true}}, at)[0];
}

TEST(Resize, LinearHalfPixel) {
  EXPECT_TRUE(tensors_near(resize("linear", "half_pixel", 3, 5),
                           Tensor::from<float>({1, 1, 3, 5}, {0.6666667f, 1.366667f, 2.166667f, 2.966667f, 3.666667f, 6,
                                                              6.7f, 7.5f, 8.3f, 9, 11.33333f, 12.03333f, 12.83333f,
                                                              13.63333f, 14.33333f})));
}

TEST(Resize, LinearAlignCorners) {
  EXPECT_TRUE(tensors_near(resize("linear", "align_corners", 3, 5),
                           Tensor::from<float>({1, 1, 3, 5}, {0, 0.75f, 1.5f, 2.25f, 3, 6, 6.75f, 7.5f, 8.25f, 9, 12,
                                                              12.75f, 13.5f, 14.25f, 15})));
}

TEST(Resize, CubicHalfPixel) {
  EXPECT_TRUE(tensors_near(resize("cubic", "half_pixel", 2, 3),
                           Tensor::from<float>({1, 1, 2, 3}, {1.751158f, 3.125f, 4.498844f, 10.50116f, 11.875f, 13.24885f})));
}

TEST(Resize, NearestScalesAsymmetric) {
  Attributes at;
  at.set_string("coordinate_transformation_mode", "asymmetric");
  at.set_string("nearest_mode", "floor");
  Tensor x = Tensor::from<float>({1, 2}, {1, 2});
  auto y = run_op("Resize", {{x}, {}, {Tensor::from<float>({2}, {1, 2}), true}}, at)[0];
  EXPECT_TRUE(tensors_near(y, Tensor::from<float>({1, 4}, {1, 1, 2, 2})));
}

TEST(Resize, AxesAndNotLargerPolicy) {
  Attributes at;
  at.set_ints("axes", {2, 3});
  at.set_string("keep_aspect_ratio_policy", "not_larger");
  auto y = run_op("Resize", {{x44()}, {}, {}, {Tensor::from<int64_t>({2}, {2, 3}), true}}, at)[0];
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));  // scale min(2/4, 3/4) on both axes
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  Attributes at;
  at.set_string("mode", "linear");
  at.set_string("coordinate_transformation_mode", "tf_crop_and_resize");
  at.set_float("extrapolation_value", -1.0f);
  Tensor roi = Tensor::from<float>({8}, {0, 0, 0, 0, 1, 1, 1, 2});  // x range [0, 2] x (in-1)
  auto y = run_op("Resize", {{x44()}, {roi, true}, {}, {sizes(1, 3), true}}, at)[0];
  // out h 1: y = 0.5*(0+1)*3 = 1.5; x = 0, 3, 6 (6 is outside)
  EXPECT_TRUE(tensors_near(y, Tensor::from<float>({1, 1, 1, 3}, {6, 9, -1})));
}

TEST(Resize, Errors) {
  EXPECT_THROW(run_op("Resize", {{x44()}}), Error);  // neither scales nor sizes
  Attributes at;
  at.set_string("mode", "area");
  EXPECT_THROW(run_op("Resize", {{x44()}, {}, {}, {sizes(2, 2), true}}, at), Error);
  EXPECT_THROW(run_op("Resize", {{x44()}, {}, {Tensor::from<float>({2}, {1, 2}), true}}), Error);  // wrong count
}

Tensor grid() { return Tensor::from<float>({1, 1, 3, 2}, {-1.0f, -1.0f, 0.3f, 0.1f, 1.2f, -0.7f}); }

Tensor grid_sample(const std::string& mode, const std::string& pad) {
  Attributes at;
  at.set_string("mode", mode);
  at.set_string("padding_mode", pad);
  return run_op("GridSample", {{x44()}, {grid()}}, at, 1, 16)[0];
}

TEST(GridSample, MatchesPytorch) {
  EXPECT_TRUE(tensors_near(grid_sample("bilinear", "zeros"), Tensor::from<float>({1, 1, 1, 3}, {0, 8.9f, 0.34f}), 1e-5, 1e-5));
  EXPECT_TRUE(tensors_near(grid_sample("bilinear", "border"), Tensor::from<float>({1, 1, 1, 3}, {0, 8.9f, 3.4f}), 1e-5, 1e-5));
  EXPECT_TRUE(tensors_near(grid_sample("bilinear", "reflection"), Tensor::from<float>({1, 1, 1, 3}, {0, 8.9f, 3.4f}), 1e-5, 1e-5));
  EXPECT_TRUE(tensors_near(grid_sample("nearest", "zeros"), Tensor::from<float>({1, 1, 1, 3}, {0, 10, 0})));
  EXPECT_TRUE(tensors_near(grid_sample("nearest", "border"), Tensor::from<float>({1, 1, 1, 3}, {0, 10, 3})));
  EXPECT_TRUE(tensors_near(grid_sample("bicubic", "zeros"),
                           Tensor::from<float>({1, 1, 1, 3}, {-0.234375f, 8.83977f, 0.292786f}), 1e-5, 1e-5));
  // bicubic with border/reflection: PyTorch pads each tap, the ONNX reference first moves
  // the point inside the border; they differ for points outside, so compare inside only.
  auto cubic_border = grid_sample("bicubic", "border");
  EXPECT_NEAR(cubic_border.as<float>()[0], -0.46875f, 1e-5);
  EXPECT_NEAR(cubic_border.as<float>()[1], 8.774754f, 1e-5);
}

TEST(GridSample, Errors) {
  Attributes at;
  at.set_string("padding_mode", "wrap");
  EXPECT_THROW(run_op("GridSample", {{x44()}, {grid()}}, at, 1, 16), Error);
  EXPECT_THROW(run_op("GridSample", {{x44()}, {Tensor::from<float>({1, 1, 1, 3}, {0, 0, 0})}}, {}, 1, 16), Error);
}

}  // namespace
}  // namespace wisp
