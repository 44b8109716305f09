#include <gtest/gtest.h>

#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::run_op1;
using test::tensors_near;

TEST(Window, HannPeriodicAndSymmetric) {
  // numpy: 0.5 - 0.5*cos(2*pi*n/N) with N = 4 (periodic) or 3 (symmetric).
  Tensor size = Tensor::from<int64_t>({}, {4});
  EXPECT_TRUE(tensors_near(run_op1("HannWindow", {size}), Tensor::from<float>({4}, {0, 0.5f, 1, 0.5f})));
  Attributes sym;
  sym.set_int("periodic", 0);
  EXPECT_TRUE(tensors_near(run_op1("HannWindow", {size}, sym), Tensor::from<float>({4}, {0, 0.75f, 0.75f, 0})));
}

TEST(Window, HammingAndBlackman) {
  Tensor size = Tensor::from<int64_t>({}, {3});
  // Hamming, periodic N=3: 25/46 - 21/46*cos(2*pi*n/3) = [0.086957, 0.771739, 0.771739]
  EXPECT_TRUE(tensors_near(run_op1("HammingWindow", {size}), Tensor::from<float>({3}, {0.0869565f, 0.7717391f, 0.7717391f})));
  // Blackman, periodic N=3: 0.42 - 0.5cos(x) + 0.08cos(2x) = [0, 0.63, 0.63]
  EXPECT_TRUE(tensors_near(run_op1("BlackmanWindow", {size}), Tensor::from<float>({3}, {0, 0.63f, 0.63f}), 1e-5, 1e-6));
  Attributes f64;
  f64.set_int("output_datatype", 11);
  EXPECT_EQ(run_op1("HannWindow", {size}, f64).dtype(), DType::kF64);
}

TEST(Det, BatchOfMatrices) {
  // det([[1,2],[3,4]]) = -2; det([[2,0],[0,3]]) = 6
  Tensor x = Tensor::from<float>({2, 2, 2}, {1, 2, 3, 4, 2, 0, 0, 3});
  EXPECT_TRUE(tensors_near(run_op1("Det", {x}), Tensor::from<float>({2}, {-2, 6})));
  // Needs a row swap: det([[0,1,2],[1,0,3],[4,-3,8]]) = -2
  Tensor y = Tensor::from<double>({3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8});
  EXPECT_TRUE(tensors_near(run_op1("Det", {y}), Tensor::from<double>({}, {-2})));
  EXPECT_THROW(run_op1("Det", {Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6})}), Error);
}

}  // namespace
}  // namespace wisp
