#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::tensors_near;

Tensor x23() { return Tensor::from<float>({2, 3}, {1, 2, 3, 0, 0, 1000}); }

TEST(Softmax, LastAxis) {
  auto y = run_op("Softmax", {{x23()}});
  // scipy.special.softmax([1,2,3]) ; large inputs must not overflow
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 3}, {0.09003057f, 0.24472847f, 0.66524096f, 0, 0, 1})));
}

TEST(Softmax, Axis0) {
  Attributes at;
  at.set_int("axis", 0);
  auto y = run_op("Softmax", {{Tensor::from<float>({2, 2}, {0, 1, 0, 3})}}, at);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 2}, {0.5f, 0.11920292f, 0.5f, 0.88079708f})));
}

TEST(LogSoftmax, LastAxis) {
  auto y = run_op("LogSoftmax", {{Tensor::from<float>({3}, {1, 2, 3})}});
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({3}, {-2.40760596f, -1.40760596f, -0.40760596f})));
}

TEST(Hardmax, FirstMaxWins) {
  auto y = run_op("Hardmax", {{Tensor::from<float>({2, 3}, {1, 3, 3, -1, -5, -2})}});
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 3}, {0, 1, 0, 1, 0, 0})));
}

TEST(Softmax, F64AndErrors) {
  auto y = run_op("Softmax", {{Tensor::from<double>({2}, {0, 0})}});
  EXPECT_DOUBLE_EQ(y[0].as<double>()[0], 0.5);
  EXPECT_THROW(run_op("Softmax", {{Tensor::from<int32_t>({2}, {0, 0})}}), Error);
  Attributes at;
  at.set_int("axis", 2);
  EXPECT_THROW(run_op("Softmax", {{x23()}}, at), Error);
}

}  // namespace
}  // namespace wisp
