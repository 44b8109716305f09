// Gemm, MatMul (broadcast, 1-D operands), MatMulInteger, QLinearMatMul and Einsum.
#include <gtest/gtest.h>

#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::run_op1;
using test::tensors_near;

TEST(Gemm, TransposesAlphaBetaAndBroadcastC) {
  Tensor a = Tensor::from<float>({2, 2}, {1, 3, 2, 4});  // A^T = [[1,2],[3,4]]
  Tensor b = Tensor::from<float>({2, 2}, {5, 7, 6, 8});  // B^T = [[5,6],[7,8]]
  Tensor c = Tensor::from<float>({2}, {1, -1});
  Attributes at;
  at.set_int("transA", 1);
  at.set_int("transB", 1);
  at.set_float("alpha", 2.0f);
  at.set_float("beta", 0.5f);
  // A'B' = [[19,22],[43,50]] -> 2x + 0.5c
  EXPECT_TRUE(tensors_near(run_op1("Gemm", {a, b, c}, at), Tensor::from<float>({2, 2}, {38.5f, 43.5f, 86.5f, 99.5f})));
  EXPECT_TRUE(tensors_near(run_op1("Gemm", {Tensor::from<int32_t>({1, 2}, {2, 3}), Tensor::from<int32_t>({2, 1}, {4, 5})}),
                           Tensor::from<int32_t>({1, 1}, {23})));
  EXPECT_THROW(run_op1("Gemm", {a, Tensor::from<float>({3, 1}, {1, 2, 3})}), Error);
}

TEST(MatMul, BatchBroadcastAndVectors) {
  Tensor a = Tensor::from<float>({2, 1, 2}, {1, 2, 3, 4});
  Tensor b = Tensor::from<float>({2, 1}, {10, 100});
  EXPECT_TRUE(tensors_near(run_op1("MatMul", {a, b}), Tensor::from<float>({2, 1, 1}, {210, 430})));
  Tensor v = Tensor::from<float>({2}, {1, -1});
  Tensor m = Tensor::from<float>({3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  EXPECT_TRUE(tensors_near(run_op1("MatMul", {v, m}), Tensor::from<float>({3, 2}, {-2, -2, -2, -2, -2, -2})));
  EXPECT_TRUE(tensors_near(run_op1("MatMul", {m, v}), Tensor::from<float>({3, 2}, {-1, -1, -1, -1, -1, -1})));
  EXPECT_TRUE(tensors_near(run_op1("MatMul", {v, v}), Tensor::from<float>({}, {2})));
  EXPECT_THROW(run_op1("MatMul", {m, Tensor::from<float>({3}, {1, 2, 3})}), Error);
}

TEST(MatMulInteger, PerRowZeroPoints) {
  Tensor a = Tensor::from<uint8_t>({2, 2}, {11, 12, 23, 24});
  Tensor b = Tensor::from<int8_t>({2, 1}, {-1, 2});
  Tensor azp = Tensor::from<uint8_t>({2}, {10, 20});
  // rows minus zp: [1,2], [3,4] -> [-1+4, -3+8]
  EXPECT_TRUE(tensors_near(run_op("MatMulInteger", {{a}, {b}, {azp}})[0], Tensor::from<int32_t>({2, 1}, {3, 5})));
}

TEST(QLinearMatMul, RoundsHalfToEvenAndSaturates) {
  Tensor a = Tensor::from<uint8_t>({1, 2}, {1, 3});
  Tensor b = Tensor::from<uint8_t>({2, 2}, {1, 0, 0, 255});
  auto f = [](float v) { return Tensor::from<float>({}, {v}); };
  auto u = [](uint8_t v) { return Tensor::from<uint8_t>({}, {v}); };
  // sums: [1, 765] * (1*1/2) = [0.5 -> 0, 382.5] + zp 1 -> [1, 255 saturated]
  Tensor y = run_op("QLinearMatMul", {{a}, {f(1)}, {u(0)}, {b}, {f(1)}, {u(0)}, {f(2)}, {u(1)}})[0];
  EXPECT_TRUE(tensors_near(y, Tensor::from<uint8_t>({1, 2}, {1, 255})));
}

TEST(Einsum, MatmulTraceDiagonalEllipsisImplicit) {
  Tensor a = Tensor::from<float>({2, 2}, {1, 2, 3, 4});
  Attributes at;
  at.set_string("equation", "ij,jk->ik");
  EXPECT_TRUE(tensors_near(run_op1("Einsum", {a, a}, at), Tensor::from<float>({2, 2}, {7, 10, 15, 22})));
  at.set_string("equation", "ii");
  EXPECT_TRUE(tensors_near(run_op1("Einsum", {a}, at), Tensor::from<float>({}, {5})));
  at.set_string("equation", "ii->i");
  EXPECT_TRUE(tensors_near(run_op1("Einsum", {a}, at), Tensor::from<float>({2}, {1, 4})));
  at.set_string("equation", "ji");  // implicit output is "ij": a transpose
  EXPECT_TRUE(tensors_near(run_op1("Einsum", {a}, at), Tensor::from<float>({2, 2}, {1, 3, 2, 4})));
  at.set_string("equation", "...j->...");
  EXPECT_TRUE(tensors_near(run_op1("Einsum", {a}, at), Tensor::from<float>({2}, {3, 7})));
  at.set_string("equation", "ij,jk");
  EXPECT_THROW(run_op1("Einsum", {a}, at), Error);
}

}  // namespace
}  // namespace wisp
