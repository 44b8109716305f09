// Gather, GatherElements, GatherND, ScatterElements, ScatterND. Values from NumPy and
// the ONNX spec examples.
#include <gtest/gtest.h>

#include "kernels/shape_test_util.hpp"

namespace wisp::test {
namespace {

using V = std::vector<float>;

Tensor i64_2d(const Shape& s, std::initializer_list<int64_t> v) { return Tensor::from<int64_t>(s, v); }

TEST(Gather, Axis1NegativeIndices) {
  Attributes at;
  at.set_int("axis", 1);
  const Tensor out = run_op1("Gather", {iota_f32({3, 4}), i64_2d({2, 2}, {2, -1, 0, 1})}, at);
  EXPECT_EQ(out.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(values_of<float>(out), (V{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9}));
}

TEST(Gather, ScalarIndexInt32) {
  const Tensor out = run_op1("Gather", {iota_f32({3, 2}), Tensor::from<int32_t>({}, {2})});
  EXPECT_EQ(out.shape(), (Shape{2}));
  EXPECT_EQ(values_of<float>(out), (V{4, 5}));
}

TEST(Gather, OutOfRangeIndex) {
  const Tensor x = iota_f32({3, 2});
  try {
    run_op1("Gather", {x, i64s({0, 3})});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("Gather"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("index 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[-3, 2]"), std::string::npos) << e.what();
  }
  // Constant indices are checked at prepare.
  EXPECT_EQ(error_code_of([&] { run_op("Gather", {{x}, {i64s({-4}), true}}); }), ErrorCode::kOutOfRange);
}

TEST(GatherElements, NegativeIndices) {
  Attributes at;
  at.set_int("axis", 1);
  const Tensor out = run_op1("GatherElements", {iota_f32({3, 4}), i64_2d({3, 2}, {0, -1, 2, 1, 1, 0})}, at);
  EXPECT_EQ(values_of<float>(out), (V{0, 3, 6, 5, 9, 8}));
  EXPECT_EQ(error_code_of([&] { run_op1("GatherElements", {iota_f32({2, 2}), i64_2d({1, 1}, {2})}); }),
            ErrorCode::kOutOfRange);
}

TEST(GatherND, PlainAndBatchDims) {
  const Tensor d = iota_f32({2, 2, 2});
  EXPECT_EQ(values_of<float>(run_op1("GatherND", {d, i64_2d({2, 2}, {0, 1, 1, 0})})), (V{2, 3, 4, 5}));
  Attributes at;
  at.set_int("batch_dims", 1);
  const Tensor out = run_op1("GatherND", {d, i64_2d({2, 1}, {1, 0})}, at);
  EXPECT_EQ(out.shape(), (Shape{2, 2}));
  EXPECT_EQ(values_of<float>(out), (V{2, 3, 4, 5}));
  EXPECT_EQ(error_code_of([&] { run_op1("GatherND", {d, i64_2d({1, 2}, {0, 2})}); }), ErrorCode::kOutOfRange);
}

TEST(ScatterElements, ReductionsAndDuplicates) {
  // ONNX spec example: data 1x5, indices [[1, 3]], updates [[1.1, 2.1]], axis 1.
  const Tensor data = Tensor::from<float>({1, 5}, {1, 2, 3, 4, 5});
  const Tensor upd = Tensor::from<float>({1, 2}, {1.1f, 2.1f});
  Attributes at;
  at.set_int("axis", 1);
  EXPECT_EQ(values_of<float>(run_op1("ScatterElements", {data, i64_2d({1, 2}, {1, -2}), upd}, at)),
            (V{1, 1.1f, 3, 2.1f, 5}));
  at.set_string("reduction", "add");
  EXPECT_TRUE(tensors_near(run_op1("ScatterElements", {data, i64_2d({1, 2}, {1, 1}), upd}, at),
                           Tensor::from<float>({1, 5}, {1, 5.2f, 3, 4, 5})));
  at.set_string("reduction", "max");
  EXPECT_EQ(values_of<float>(run_op1("ScatterElements", {data, i64_2d({1, 2}, {4, 0}), upd}, at)),
            (V{2.1f, 2, 3, 4, 5}));
  at.set_string("reduction", "mul");
  const Tensor di = Tensor::from<int32_t>({1, 3}, {2, 3, 4});
  EXPECT_EQ(values_of<int32_t>(run_op1("ScatterElements", {di, i64_2d({1, 2}, {2, 2}),
                                                           Tensor::from<int32_t>({1, 2}, {5, -1})}, at)),
            (std::vector<int32_t>{2, 3, -20}));
  EXPECT_EQ(error_code_of([&] { run_op1("ScatterElements", {data, i64_2d({1, 2}, {1, 5}), upd}, at); }),
            ErrorCode::kOutOfRange);
}

TEST(ScatterND, UpdatesSlicesWithReduction) {
  const Tensor data = iota_f32({2, 3});
  const Tensor out = run_op1("ScatterND", {data, i64_2d({1, 1}, {-1}), Tensor::from<float>({1, 3}, {7, 8, 9})});
  EXPECT_EQ(values_of<float>(out), (V{0, 1, 2, 7, 8, 9}));
  Attributes at;
  at.set_string("reduction", "add");
  const Tensor out2 = run_op1("ScatterND", {data, i64_2d({2, 2}, {0, 1, 0, 1}), Tensor::from<float>({2}, {10, 20})}, at);
  EXPECT_EQ(values_of<float>(out2), (V{0, 31, 2, 3, 4, 5}));
  EXPECT_EQ(error_code_of([&] { run_op1("ScatterND", {data, i64_2d({1, 1}, {2}), Tensor::from<float>({1, 3}, {7, 8, 9})}); }),
            ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace wisp::test
