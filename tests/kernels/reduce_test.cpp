#include <cmath>
#include <limits>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::tensors_near;

Tensor axes(std::initializer_list<int64_t> a) { return Tensor::from<int64_t>({static_cast<int64_t>(a.size())}, a); }

Attributes keep(int64_t k) {
  Attributes at;
  at.set_int("keepdims", k);
  return at;
}

// x = [[1, 2, 3], [4, 5, 6]]
Tensor x23() { return Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(Reduce, SumOverAxisKeepdims) {
  auto y = run_op("ReduceSum", {{x23()}, {axes({1}), true}}, keep(1));
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 1}, {6, 15})));
}

TEST(Reduce, NegativeAxisNoKeepdims) {
  auto y = run_op("ReduceMean", {{x23()}, {axes({-2}), true}}, keep(0));
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({3}, {2.5f, 3.5f, 4.5f})));
}

TEST(Reduce, AbsentAxesReduceEverything) {
  auto y = run_op("ReduceProd", {{x23()}}, keep(0));
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({}, {720})));
}

TEST(Reduce, EmptyAxesWithNoopIsIdentity) {
  Attributes at;
  at.set_int("noop_with_empty_axes", 1);
  auto y = run_op("ReduceSum", {{x23()}, {Tensor(DType::kI64, Shape{0}), true}}, at);
  EXPECT_TRUE(tensors_near(y[0], x23()));
}

TEST(Reduce, AllKinds) {
  // numpy over axis 1 of [[1,2,3],[4,5,6]]
  struct Case { const char* op; float a, b; };
  const Case cases[] = {
      {"ReduceMax", 3, 6}, {"ReduceMin", 1, 4}, {"ReduceSumSquare", 14, 77}, {"ReduceL1", 6, 15},
      {"ReduceL2", 3.7416575f, 8.774964f}, {"ReduceLogSum", 1.7917595f, 2.7080503f},
      {"ReduceLogSumExp", 3.4076059f, 6.4076059f},
  };
  for (const Case& c : cases) {
    auto y = run_op(c.op, {{x23()}, {axes({1}), true}}, keep(0));
    EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2}, {c.a, c.b}))) << c.op;
  }
}

TEST(Reduce, MultipleAxes) {
  Tensor x(DType::kF32, Shape{2, 3, 2});
  for (int i = 0; i < 12; ++i) x.as<float>()[i] = static_cast<float>(i);
  auto y = run_op("ReduceSum", {{x}, {axes({0, 2}), true}}, keep(1));
  // np.arange(12).reshape(2,3,2).sum(axis=(0,2), keepdims=True)
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({1, 3, 1}, {14, 22, 30})));
}

TEST(Reduce, EmptySetGivesIdentity) {
  Tensor x(DType::kF32, Shape{2, 0});
  EXPECT_TRUE(tensors_near(run_op("ReduceSum", {{x}, {axes({1}), true}}, keep(0))[0], Tensor::from<float>({2}, {0, 0})));
  EXPECT_TRUE(tensors_near(run_op("ReduceProd", {{x}, {axes({1}), true}}, keep(0))[0], Tensor::from<float>({2}, {1, 1})));
  auto mx = run_op("ReduceMax", {{x}, {axes({1}), true}}, keep(0))[0];
  EXPECT_EQ(mx.as<float>()[0], -std::numeric_limits<float>::infinity());
  auto lse = run_op("ReduceLogSumExp", {{x}, {axes({1}), true}}, keep(0))[0];
  EXPECT_EQ(lse.as<float>()[1], -std::numeric_limits<float>::infinity());
}

TEST(Reduce, IntegerTypes) {
  auto y = run_op("ReduceSum", {{Tensor::from<int32_t>({2, 2}, {1, -2, 3, 4})}, {axes({0}), true}}, keep(0));
  EXPECT_EQ(y[0].dtype(), DType::kI32);
  EXPECT_EQ(y[0].as<int32_t>()[0], 4);
  EXPECT_EQ(y[0].as<int32_t>()[1], 2);
  auto m = run_op("ReduceMin", {{Tensor::from<int64_t>({3}, {5, -7, 2})}}, keep(0));
  EXPECT_EQ(m[0].as<int64_t>()[0], -7);
}

TEST(Reduce, Float16ComputesInFloat) {
  Tensor x(DType::kF16, Shape{3});
  for (int i = 0; i < 3; ++i) x.as<Float16>()[i] = Float16(0.5f * static_cast<float>(i + 1));
  auto y = run_op("ReduceSum", {{x}}, keep(0));
  EXPECT_EQ(static_cast<float>(y[0].as<Float16>()[0]), 3.0f);
}

TEST(Reduce, Errors) {
  EXPECT_THROW(run_op("ReduceSum", {{x23()}, {axes({2}), true}}), Error);
  EXPECT_THROW(run_op("ReduceSum", {{x23()}, {axes({1, -1}), true}}), Error);
}

TEST(ArgReduce, MaxMinKeepdimsAndLastIndex) {
  Tensor x = Tensor::from<float>({2, 3}, {1, 5, 5, 7, 0, 0});
  Attributes at;
  at.set_int("axis", 1);
  auto y = run_op("ArgMax", {{x}}, at);
  EXPECT_EQ(y[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(y[0].as<int64_t>()[0], 1);
  EXPECT_EQ(y[0].as<int64_t>()[1], 0);
  at.set_int("select_last_index", 1);
  at.set_int("keepdims", 0);
  auto z = run_op("ArgMin", {{x}}, at);
  EXPECT_EQ(z[0].shape(), (Shape{2}));
  EXPECT_EQ(z[0].as<int64_t>()[0], 0);
  EXPECT_EQ(z[0].as<int64_t>()[1], 2);
}

TEST(ArgReduce, Axis0) {
  Attributes at;
  at.set_int("keepdims", 0);
  auto y = run_op("ArgMax", {{x23()}}, at);
  EXPECT_EQ(y[0].shape(), (Shape{3}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(y[0].as<int64_t>()[i], 1);
}

}  // namespace
}  // namespace wisp
