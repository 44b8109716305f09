// Weight-only INT4: the DequantizeLinear(int4, blocked) reference against hand values, the
// quantizer's rounding and packing, MatMulInt4 (ref, AVX2, AVX-512) against MatMul on the
// dequantized weights, and the ONNX (opset 21) round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "cpu/cpu_features.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "kernels/ref/int4.hpp"
#include "onnx/onnx_exporter.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "quant/int4_weights.hpp"
#include "runtime/session.hpp"
#include "wisp_onnx/onnx.pb.h"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

Tensor run1(std::shared_ptr<const Model> m, const Tensor& x, Isa isa = best_isa(), int threads = 1) {
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  return Session(std::move(m), config).run({{"x", x.view()}}).at(0);
}

TEST(Int4, NibblePacking) {
  uint8_t packed[2] = {0, 0};
  ref::int4_set(packed, 0, -8);
  ref::int4_set(packed, 1, 7);
  ref::int4_set(packed, 2, -1);
  EXPECT_EQ(packed[0], 0x78);
  EXPECT_EQ(packed[1], 0x0F);
  EXPECT_EQ(ref::int4_at(packed, 0, true), -8);
  EXPECT_EQ(ref::int4_at(packed, 1, true), 7);
  EXPECT_EQ(ref::int4_at(packed, 2, true), -1);
  EXPECT_EQ(ref::int4_at(packed, 2, false), 15);
}

// x int4 [3, 2] = [[1, -2], [3, -4], [5, 6]], blocks of 2 along axis 0: scales [2, 2].
TEST(Int4, BlockedDequantizeLinearMatchesHandValues) {
  test::ModelBuilder b;
  Tensor q(DType::kI4, Shape{3, 2});
  const int vals[6] = {1, -2, 3, -4, 5, 6};
  for (int i = 0; i < 6; ++i) ref::int4_set(q.as<uint8_t>(), i, vals[i]);
  Value* qv = b.constant("q", std::move(q));
  Value* sv = b.constant("s", Tensor::from<float>({2, 2}, {0.5f, 2.0f, 0.25f, 1.0f}));
  Attributes attrs;
  attrs.set_int("axis", 0);
  attrs.set_int("block_size", 2);
  Value* x = b.input("x", Shape{3, 2});
  b.output(b.op("Add", {x, b.op("DequantizeLinear", {qv, sv}, attrs)}));
  const Tensor zero(DType::kF32, Shape{3, 2});
  const Tensor y = run1(b.model(), zero);
  const float want[6] = {0.5f, -4.0f, 1.5f, -8.0f, 1.25f, 6.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.as<float>()[i], want[i]) << i;
}

std::shared_ptr<Model> linear_model(int64_t k, int64_t n, int64_t m_rows, bool gemm_trans_b = false) {
  test::ModelBuilder b;
  if (gemm_trans_b) {
    Value* x = b.input("x2", Shape{m_rows, k});
    Attributes attrs;
    attrs.set_int("transB", 1);
    b.output(b.op("Gemm", {x, b.random_constant("w", Shape{n, k})}, attrs));
  } else {
    Value* x = b.input("x", Shape{2, m_rows, k});
    b.output(b.op("MatMul", {x, b.random_constant("w", Shape{k, n})}));
  }
  return b.model();
}

TEST(Int4, QuantizerRoundsPerGroupAndHalvesTheError) {
  for (int group : {32, 64, 128}) {
    auto m = linear_model(200, 24, 3);  // K not a multiple of any group: a partial last block
    quant::Int4Report r;
    quant::Int4Options o;
    o.group_size = group;
    auto q = quant::quantize_weights_int4(*m, o, &r);
    ASSERT_EQ(r.converted, 1);
    const int64_t blocks = (200 + group - 1) / group;
    EXPECT_EQ(r.bytes_after, 200 * 24 / 2 + blocks * 24 * 4);
    // Round to nearest: error at most half a step, step = max|w| / 7 <= 1 / 7.
    EXPECT_LE(r.max_abs_error, 0.5 / 7 + 1e-6);
    EXPECT_GT(r.max_abs_error, 0.0);
    EXPECT_EQ(q->graph.opset_imports.at(""), 21);
    EXPECT_EQ(test::op_counts(q->graph)["DequantizeLinear"], 1);
  }
}

// MatMulInt4 (after the fusion) vs MatMul on the dequantized weight (the unfused graph,
// whose DequantizeLinear folds at prepare): the same products; sums in a different order
// (ref: k order; x86: the GEMM's) so |diff| <= 1e-5 * sum |x * w|, and bit-identical for
// 1, 2 and 3 threads.
TEST(Int4, MatMulInt4MatchesDequantizedMatMulOnEveryIsa) {
  for (auto [k, n, rows] : {std::tuple{64, 40, 3}, {200, 17, 5}, {31, 65, 1}, {256, 128, 8}}) {
    auto m = linear_model(k, n, rows);
    quant::Int4Options o;
    o.group_size = 32;
    o.min_weight_elements = 1;
    auto unfused = quant::quantize_weights_int4(*m, o);
    auto fused = optimize_model(*unfused);
    ASSERT_EQ(test::op_counts(fused->graph)["MatMulInt4"], 1);
    const Tensor x = test::random_f32(Shape{2, rows, k}, 13);
    const Tensor want = run1(unfused, x, Isa::kRef);
    for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvx512}) {
      if (static_cast<int>(isa) > static_cast<int>(best_isa())) continue;
      const Tensor got = run1(fused, x, isa);
      ASSERT_EQ(got.shape(), want.shape());
      for (int64_t i = 0; i < got.numel(); ++i)
        ASSERT_NEAR(got.as<float>()[i], want.as<float>()[i], 1e-5 * k) << "isa " << isa_name(isa) << " i " << i;
      for (int threads : {2, 3}) {
        const Tensor t = run1(fused, x, isa, threads);
        EXPECT_EQ(std::memcmp(t.data(), got.data(), static_cast<size_t>(got.bytes())), 0) << threads;
      }
    }
  }
}

TEST(Int4, GemmTransBAndOnnxRoundTrip) {
  auto m = linear_model(96, 40, 4, true);
  quant::Int4Report r;
  auto q = quant::quantize_weights_int4(*m, quant::Int4Options{}, &r);
  ASSERT_EQ(r.converted, 1);
  const std::string bytes = export_onnx_bytes(*q);
  auto back = import_onnx_bytes(bytes.data(), bytes.size(), "");
  EXPECT_EQ(back->graph.opset_imports.at(""), 21);
  const Value* w = back->graph.find_value("w_int4");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->constant->dtype(), DType::kI4);
  EXPECT_EQ(std::memcmp(w->constant->data(), q->graph.find_value("w_int4")->constant->data(), 96 * 40 / 2), 0);
  const Tensor x = test::random_f32(Shape{4, 96}, 2);
  SessionConfig c;
  const Tensor y0 = Session(q, c).run({{"x2", x.view()}}).at(0);
  const Tensor y1 = Session(back, c).run({{"x2", x.view()}}).at(0);
  EXPECT_EQ(std::memcmp(y0.data(), y1.data(), static_cast<size_t>(y0.bytes())), 0);
  // Close to the float model: uniform rounding error of step/2 = max|w|/14 per weight
  // gives a relative RMS error near (1/14)/sqrt(3)/(1/sqrt(3)) ~ 0.07; well under 0.15.
  const Tensor yf = Session(m, c).run({{"x2", x.view()}}).at(0);
  double err = 0, ref = 0;
  for (int64_t i = 0; i < yf.numel(); ++i) {
    err += std::pow(y0.as<float>()[i] - yf.as<float>()[i], 2);
    ref += std::pow(yf.as<float>()[i], 2);
  }
  EXPECT_GT(err, 0.0);
  EXPECT_LT(std::sqrt(err / ref), 0.15);
  // The fused graph is Wisp-internal: not exportable.
  auto fused = optimize_model(*quant::quantize_weights_int4(*linear_model(64, 32, 2)));
  ASSERT_EQ(test::op_counts(fused->graph)["MatMulInt4"], 1);
  EXPECT_THROW(export_onnx_bytes(*fused), Error);
}

// INT4 initializers are read from raw_data only, and its size must be ceil(n / 2) bytes.
TEST(Int4, ImporterChecksPackedSize) {
  onnx::TensorProto t;
  t.set_name("w");
  t.set_data_type(22);  // INT4
  t.add_dims(3);
  t.set_raw_data(std::string("\x21\x03", 2));
  const Tensor ok = tensor_from_onnx(t, "", "w");
  EXPECT_EQ(ok.dtype(), DType::kI4);
  EXPECT_EQ(ref::int4_at(ok.as<uint8_t>(), 0, true), 1);
  EXPECT_EQ(ref::int4_at(ok.as<uint8_t>(), 1, true), 2);
  EXPECT_EQ(ref::int4_at(ok.as<uint8_t>(), 2, true), 3);
  t.set_raw_data(std::string("\x21", 1));
  try {
    tensor_from_onnx(t, "", "w");
    FAIL() << "a truncated INT4 tensor was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
  }
  t.clear_raw_data();
  t.add_int32_data(1);
  EXPECT_THROW(tensor_from_onnx(t, "", "w"), Error);  // typed fields: not supported for INT4
}

#ifdef WISP_WITH_FORMAT
// .wisp stores the 4-bit weights as they are (half a byte each) and the fused model loaded
// back computes exactly what it computes in memory.
TEST(Int4, WispFormatKeepsPackedWeights) {
  auto fused = optimize_model(*quant::quantize_weights_int4(*linear_model(128, 64, 3), 32));
  ASSERT_EQ(test::op_counts(fused->graph)["MatMulInt4"], 1);
  const auto bytes = format::serialize_wisp(*fused, {}, nullptr);
  EXPECT_LT(bytes.size(), 128u * 64 * 4 / 4);  // well under the float32 weight alone
  format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());
  const Value* q = w.model->graph.find_value("w_int4");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->constant->dtype(), DType::kI4);
  EXPECT_EQ(q->constant->bytes(), 128 * 64 / 2);
  const Tensor x = test::random_f32(Shape{2, 3, 128}, 5);
  const Tensor a = run1(fused, x), b = run1(w.model, x);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<size_t>(a.bytes())), 0);
}
#endif

}  // namespace
}  // namespace wisp
