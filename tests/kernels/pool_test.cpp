// MaxPool (indices, ceil_mode), AveragePool (count_include_pad), Lp and Global pools,
// MaxUnpool. Expected values from PyTorch (max_pool2d / avg_pool2d) or by hand.
#include <gtest/gtest.h>

#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::run_op1;
using test::tensors_near;

Tensor plane4x4() {
  Tensor x(DType::kF32, {1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x.as<float>()[i] = static_cast<float>(i);
  x.as<float>()[6] = -3;
  return x;
}

Attributes window3s2p1() {
  Attributes at;
  at.set_ints("kernel_shape", {3, 3});
  at.set_ints("strides", {2, 2});
  at.set_ints("pads", {1, 1, 1, 1});
  return at;
}

TEST(MaxPool, CeilModeWithIndices) {
  Attributes at = window3s2p1();
  at.set_int("ceil_mode", 1);
  auto out = run_op("MaxPool", {{plane4x4()}}, at, 2);
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({1, 1, 3, 3}, {5, 7, 7, 13, 15, 15, 13, 15, 15})));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<int64_t>({1, 1, 3, 3}, {5, 7, 7, 13, 15, 15, 13, 15, 15})));
  at.set_int("storage_order", 1);  // column-major indices: h + w * H
  out = run_op("MaxPool", {{plane4x4()}}, at, 2);
  EXPECT_EQ(out[1].as<int64_t>()[0], 5);   // (h=1, w=1)
  EXPECT_EQ(out[1].as<int64_t>()[1], 13);  // (h=1, w=3)
}

TEST(MaxPool, Uint8) {
  Tensor x = Tensor::from<uint8_t>({1, 1, 3}, {1, 200, 3});
  Attributes at;
  at.set_ints("kernel_shape", {2});
  EXPECT_TRUE(tensors_near(run_op1("MaxPool", {x}, at), Tensor::from<uint8_t>({1, 1, 2}, {200, 200})));
}

TEST(AveragePool, CountIncludePad) {
  Attributes at = window3s2p1();
  at.set_int("count_include_pad", 1);
  EXPECT_TRUE(tensors_near(run_op1("AveragePool", {plane4x4()}, at),
                           Tensor::from<float>({1, 1, 2, 2}, {1.1111111f, 1.6666666f, 5.6666665f, 9.0f})));
  at.set_int("count_include_pad", 0);
  EXPECT_TRUE(tensors_near(run_op1("AveragePool", {plane4x4()}, at),
                           Tensor::from<float>({1, 1, 2, 2}, {2.5f, 2.5f, 8.5f, 9.0f})));
  EXPECT_THROW(run_op1("AveragePool", {plane4x4()}), Error);  // kernel_shape is required
}

TEST(GlobalPool, AverageMaxLp) {
  Tensor x = Tensor::from<float>({1, 2, 2}, {3, -4, 1, 2});
  EXPECT_TRUE(tensors_near(run_op1("GlobalAveragePool", {x}), Tensor::from<float>({1, 2, 1}, {-0.5f, 1.5f})));
  EXPECT_TRUE(tensors_near(run_op1("GlobalMaxPool", {x}), Tensor::from<float>({1, 2, 1}, {3, 2})));
  EXPECT_TRUE(tensors_near(run_op1("GlobalLpPool", {x}), Tensor::from<float>({1, 2, 1}, {5, 2.2360680f})));
  Attributes at;
  at.set_ints("kernel_shape", {2});
  at.set_int("p", 1);
  EXPECT_TRUE(tensors_near(run_op1("LpPool", {x}, at), Tensor::from<float>({1, 2, 1}, {7, 3})));
}

TEST(MaxUnpool, ScattersAndChecksIndices) {
  Tensor x = Tensor::from<float>({1, 1, 1, 2}, {5, 6});
  Tensor idx = Tensor::from<int64_t>({1, 1, 1, 2}, {1, 2});
  Attributes at;
  at.set_ints("kernel_shape", {2, 2});
  at.set_ints("strides", {2, 2});
  EXPECT_TRUE(tensors_near(run_op("MaxUnpool", {{x}, {idx}}, at)[0],
                           Tensor::from<float>({1, 1, 2, 4}, {0, 5, 6, 0, 0, 0, 0, 0})));
  EXPECT_THROW(run_op("MaxUnpool", {{x}, {Tensor::from<int64_t>({1, 1, 1, 2}, {1, 99})}}, at), Error);
}

}  // namespace
}  // namespace wisp
