// FP16 weights: the sample model's weights become float16 + Cast; it runs with results
// within float16 rounding of float32, the exported ONNX and the .wisp halve, and the
// exported model computes exactly what the in-memory converted model computes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "onnx/onnx_exporter.hpp"
#include "onnx/onnx_importer.hpp"
#include "quant/fp16_weights.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

const std::string kSample = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";

Tensor run_sample(std::shared_ptr<const Model> m, const Tensor& x) {
  SessionConfig config;
  config.default_symbolic_dim = 1;
  return Session(std::move(m), config).run({{"image", x.view()}}).at(0);
}

TEST(Fp16Weights, SampleModelHalvesAndStaysClose) {
  auto original = import_onnx_file(kSample);
  quant::Fp16Report report;
  auto half = quant::convert_weights_fp16(*original, {}, &report);
  // 2 Conv + 2 Gemm weights (biases of 8..128 values: the Gemm biases and conv biases with
  // at least 16 values qualify too).
  EXPECT_GE(report.converted, 4);
  EXPECT_EQ(report.bytes_after * 2, report.bytes_before);
  EXPECT_GT(report.max_abs_rounding, 0.0);
  EXPECT_LT(report.max_abs_rounding, 4e-3);  // half an f16 ulp at the largest weights (|w| < 8)
  auto counts = test::op_counts(half->graph);
  EXPECT_EQ(counts["Cast"], report.converted);
  int64_t f16_constants = 0;
  for (const auto& v : half->graph.values())
    if (v->is_constant() && v->constant->dtype() == DType::kF16) ++f16_constants;
  EXPECT_EQ(f16_constants, report.converted);
  // The source model is untouched.
  EXPECT_EQ(test::op_counts(original->graph)["Cast"], 0);

  const Tensor x = test::random_f32(Shape{1, 1, 28, 28}, 11, 0.0f, 1.0f);
  const Tensor y32 = run_sample(original, x), y16 = run_sample(half, x);
  double max_err = 0, max_ref = 0;
  for (int i = 0; i < 10; ++i) {
    max_err = std::max(max_err, double(std::fabs(y32.as<float>()[i] - y16.as<float>()[i])));
    max_ref = std::max(max_ref, double(std::fabs(y32.as<float>()[i])));
  }
  EXPECT_GT(max_err, 0.0);              // the weights really changed
  EXPECT_LT(max_err, 1e-2 * max_ref);   // by float16 rounding only

  // Exported: about half the file; re-imported, the same results bit for bit.
  const std::string bytes32 = export_onnx_bytes(*original), bytes16 = export_onnx_bytes(*half);
  EXPECT_LT(static_cast<double>(bytes16.size()), 0.55 * static_cast<double>(bytes32.size()));
  auto back = import_onnx_bytes(bytes16.data(), bytes16.size(), "");
  const Tensor yb = run_sample(back, x);
  EXPECT_EQ(std::memcmp(yb.data(), y16.data(), 40), 0);
}

TEST(Fp16Weights, SmallConstantsStayFloat32AndOverflowIsRefused) {
  test::ModelBuilder b;
  Value* x = b.input("x", Shape{2, 4});
  Value* w = b.random_constant("w", Shape{4, 8});
  Value* bias = b.random_constant("bias", Shape{8});
  Value* y = b.op("Add", {b.op("MatMul", {x, w}), bias});
  b.output(y);
  quant::Fp16Report report;
  auto half = quant::convert_weights_fp16(*b.model(), {}, &report);
  EXPECT_EQ(report.converted, 1);  // w (32 values, read by MatMul); bias (8, read by Add) stays
  EXPECT_EQ(half->graph.find_value("bias")->constant->dtype(), DType::kF32);
  EXPECT_FALSE(half->graph.find_value("w")->is_constant());  // now Cast's output
  const Tensor in = test::random_f32(Shape{2, 4}, 3);
  const Tensor y32 = Session(b.model()).run({{"x", in.view()}}).at(0);
  const Tensor y16 = Session(half).run({{"x", in.view()}}).at(0);
  for (int i = 0; i < 16; ++i) {
    EXPECT_NE(y32.as<float>()[i], 0.0f);
    EXPECT_NEAR(y16.as<float>()[i], y32.as<float>()[i], 4 * 4.9e-4);  // 4 products, each |w - f16(w)| <= 2^-11
  }
}

TEST(Fp16Weights, ValuesBeyondHalfRangeAreRefused) {
  test::ModelBuilder b;
  Value* x = b.input("x", Shape{1, 16});
  Tensor big(DType::kF32, Shape{16, 2});
  for (int i = 0; i < 32; ++i) big.as<float>()[i] = i == 5 ? 1e6f : 0.5f;
  b.output(b.op("MatMul", {x, b.constant("w", std::move(big))}));
  EXPECT_THROW(quant::convert_weights_fp16(*b.model()), Error);
}

}  // namespace
}  // namespace wisp
