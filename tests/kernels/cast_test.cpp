// Cast and CastLike; expected values from NumPy's astype (f16) and round-to-nearest-even (bf16).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp::test {
namespace {

// ONNX TensorProto.DataType codes.
constexpr int64_t kFloat = 1, kUint8 = 2, kInt32 = 6, kInt64 = 7, kString = 8, kBool = 9, kFloat16 = 10,
                  kDouble = 11, kBFloat16 = 16, kFloat8E4M3 = 17;

Attributes to(int64_t code) {
  Attributes a;
  a.set_int("to", code);
  return a;
}

TEST(CastTest, FloatToFloat16RoundsToNearestEven) {
  // np.float16(np.float32(x)) for each: 1.0, 1.001, 1.002, 65500, inf.
  Tensor x = Tensor::from<float>({5}, {1.00048828125f, 1.0009766f, 1.0014648f, 65519.0f, 65520.0f});
  Tensor h = run_op1("Cast", {x}, to(kFloat16));
  ASSERT_EQ(h.dtype(), DType::kF16);
  EXPECT_EQ(static_cast<float>(h.as<Float16>()[0]), 1.0f);
  EXPECT_EQ(static_cast<float>(h.as<Float16>()[1]), 1.0009765625f);
  EXPECT_EQ(static_cast<float>(h.as<Float16>()[2]), 1.001953125f);
  EXPECT_EQ(static_cast<float>(h.as<Float16>()[3]), 65504.0f);
  EXPECT_TRUE(std::isinf(static_cast<float>(h.as<Float16>()[4])));
  Tensor back = run_op1("Cast", {h}, to(kDouble));
  EXPECT_EQ(back.as<double>()[3], 65504.0);
}

TEST(CastTest, FloatToBFloat16) {
  Tensor x = Tensor::from<float>({2}, {1.00390625f, 1.01171875f});  // halfway cases: to even
  Tensor b = run_op1("Cast", {x}, to(kBFloat16));
  EXPECT_EQ(static_cast<float>(b.as<BFloat16>()[0]), 1.0f);
  EXPECT_EQ(static_cast<float>(b.as<BFloat16>()[1]), 1.015625f);
}

TEST(CastTest, FloatToIntegerTruncatesAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from<float>({5}, {2.7f, -2.7f, nan, 1e20f, -1e20f});
  Tensor i = run_op1("Cast", {x}, to(kInt32));
  EXPECT_EQ(std::vector<int32_t>(i.as<int32_t>(), i.as<int32_t>() + 5),
            (std::vector<int32_t>{2, -2, 0, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()}));
  Tensor u = run_op1("Cast", {Tensor::from<float>({2}, {300, -5})}, to(kUint8));
  EXPECT_EQ(u.as<uint8_t>()[0], 255);
  EXPECT_EQ(u.as<uint8_t>()[1], 0);
}

TEST(CastTest, BoolAndIntegers) {
  Tensor b = run_op1("Cast", {Tensor::from<float>({3}, {0, -0.5f, 2})}, to(kBool));
  EXPECT_EQ(std::vector<bool>(b.as<bool>(), b.as<bool>() + 3), (std::vector<bool>{false, true, true}));
  Tensor f = run_op1("Cast", {Tensor::from<bool>({2}, {true, false})}, to(kFloat));
  EXPECT_EQ(f.as<float>()[0], 1.0f);
  EXPECT_EQ(f.as<float>()[1], 0.0f);
  Tensor i64 = run_op1("Cast", {Tensor::from<int32_t>({2}, {-3, 70000})}, to(kInt64));
  EXPECT_EQ(i64.as<int64_t>()[0], -3);
  EXPECT_EQ(i64.as<int64_t>()[1], 70000);
  Tensor same = run_op1("Cast", {Tensor::from<int32_t>({1}, {5})}, to(kInt32));
  EXPECT_EQ(same.as<int32_t>()[0], 5);
}

TEST(CastTest, CastLikeTakesTheSecondInputsType) {
  Tensor x = Tensor::from<double>({2}, {1.5, -2.25});
  Tensor like = Tensor::from<Float16>({1}, {Float16(0.0f)});
  Tensor y = run_op1("CastLike", {x, like});
  ASSERT_EQ(y.dtype(), DType::kF16);
  EXPECT_EQ(static_cast<float>(y.as<Float16>()[1]), -2.25f);
}

TEST(CastTest, UnsupportedTargetsFailClearly) {
  Tensor x = Tensor::from<float>({1}, {1});
  for (int64_t code : {kString, kFloat8E4M3}) {
    try {
      run_op1("Cast", {x}, to(code));
      FAIL() << "cast to code " << code << " must fail";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
      EXPECT_NE(std::string(e.what()).find(code == kString ? "STRING" : "FLOAT8E4M3FN"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(run_op1("Cast", {x}), Error);  // `to` is required
}

}  // namespace
}  // namespace wisp::test
