#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::tensors_near;

Tensor scalar_i64(int64_t v) { return Tensor::from<int64_t>({}, {v}); }

TEST(CumSum, Modes) {
  Tensor x = Tensor::from<float>({4}, {1, 2, 3, 4});
  Attributes at;
  EXPECT_TRUE(tensors_near(run_op("CumSum", {{x}, {scalar_i64(0)}}, at)[0], Tensor::from<float>({4}, {1, 3, 6, 10})));
  at.set_int("exclusive", 1);
  EXPECT_TRUE(tensors_near(run_op("CumSum", {{x}, {scalar_i64(0)}}, at)[0], Tensor::from<float>({4}, {0, 1, 3, 6})));
  at.set_int("reverse", 1);
  EXPECT_TRUE(tensors_near(run_op("CumSum", {{x}, {scalar_i64(0)}}, at)[0], Tensor::from<float>({4}, {9, 7, 4, 0})));
  at.set_int("exclusive", 0);
  EXPECT_TRUE(tensors_near(run_op("CumSum", {{x}, {scalar_i64(-1)}}, at)[0], Tensor::from<float>({4}, {10, 9, 7, 4})));
}

TEST(CumSum, Axis0Int32) {
  auto y = run_op("CumSum", {{Tensor::from<int32_t>({2, 2}, {1, 2, 3, 4})}, {Tensor::from<int32_t>({}, {0})}});
  EXPECT_EQ(y[0].as<int32_t>()[2], 4);
  EXPECT_EQ(y[0].as<int32_t>()[3], 6);
  EXPECT_THROW(run_op("CumSum", {{Tensor::from<float>({2}, {1, 2})}, {scalar_i64(1)}}), Error);
}

TEST(TopK, LargestTiesByIndex) {
  Tensor x = Tensor::from<float>({2, 4}, {1, 3, 3, 2, 4, 4, 0, 4});
  auto y = run_op("TopK", {{x}, {Tensor::from<int64_t>({1}, {2}), true}}, {}, 2);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 2}, {3, 3, 4, 4})));
  const int64_t want[] = {1, 2, 0, 1};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[1].as<int64_t>()[i], want[i]);
}

TEST(TopK, SmallestAlongAxis0) {
  Attributes at;
  at.set_int("largest", 0);
  at.set_int("axis", 0);
  Tensor x = Tensor::from<int32_t>({3, 2}, {5, 1, 2, 7, 9, 0});
  auto y = run_op("TopK", {{x}, {Tensor::from<int64_t>({1}, {1}), true}}, at, 2);
  EXPECT_EQ(y[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(y[0].as<int32_t>()[0], 2);
  EXPECT_EQ(y[0].as<int32_t>()[1], 0);
  EXPECT_EQ(y[1].as<int64_t>()[0], 1);
  EXPECT_EQ(y[1].as<int64_t>()[1], 2);
}

TEST(TopK, KOutOfRange) {
  EXPECT_THROW(run_op("TopK", {{Tensor::from<float>({2}, {1, 2})}, {Tensor::from<int64_t>({1}, {3}), true}}, {}, 2), Error);
}

}  // namespace
}  // namespace wisp
