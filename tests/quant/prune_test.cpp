// Pruning: unstructured zeroes the requested fraction of each weight; structured removes
// Conv output channels and rewrites the readers so the smaller graph still prepares, runs
// and computes exactly what the original computes with those channels zeroed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/status.hpp"
#include "onnx/onnx_exporter.hpp"
#include "onnx/onnx_importer.hpp"
#include "quant/prune.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

const std::string kSample = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";

Tensor run1(std::shared_ptr<const Model> m, const std::string& input, const Tensor& x) {
  SessionConfig config;
  config.default_symbolic_dim = 1;
  return Session(std::move(m), config).run({{input, x.view()}}).at(0);
}

const Tensor& weight_of(const Model& m, const std::string& node) {
  for (const auto& n : m.graph.nodes())
    if (n->name == node) return *n->inputs.at(1)->constant;
  throw Error(ErrorCode::kInternal, "no node " + node);
}

TEST(Prune, UnstructuredZeroesTheSmallestHalfOfEachWeight) {
  auto original = import_onnx_file(kSample);
  quant::PruneReport r;
  auto pruned = quant::prune(*original, 0.5, false, &r);
  ASSERT_EQ(r.layers.size(), 4u);  // 2 Conv + 2 Gemm
  for (const auto& l : r.layers) {
    EXPECT_EQ(l.after, l.before - l.before / 2) << l.node;
    EXPECT_TRUE(l.skipped.empty());
  }
  EXPECT_EQ(r.params_after, r.params_before);  // dense storage: nothing removed
  EXPECT_LT(r.nonzero_after, r.params_before * 6 / 10);
  // The kept weights are the largest: every zeroed one was no larger than any kept one.
  const Tensor& w0 = weight_of(*original, r.layers[1].node);
  const Tensor& w1 = weight_of(*pruned, r.layers[1].node);
  float max_dropped = 0, min_kept = 1e30f;
  for (int64_t i = 0; i < w0.numel(); ++i) {
    const float a = std::fabs(w0.as<float>()[i]);
    if (w1.as<float>()[i] == 0.0f) max_dropped = std::max(max_dropped, a);
    else {
      min_kept = std::min(min_kept, a);
      EXPECT_EQ(w1.as<float>()[i], w0.as<float>()[i]);
    }
  }
  EXPECT_LE(max_dropped, min_kept);
  EXPECT_THROW(quant::prune(*original, 1.0, false), Error);
}

// conv1 (16 ch) -> Relu -> MaxPool -> conv2 (32 ch) -> Relu -> MaxPool -> Flatten -> fc1.
TEST(Prune, StructuredHalvesTheSampleConvsAndRewritesReaders) {
  auto original = import_onnx_file(kSample);
  quant::PruneReport r;
  auto pruned = quant::prune(*original, 0.5, true, &r);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].before, 16);
  EXPECT_EQ(r.layers[0].after, 8);
  EXPECT_EQ(r.layers[1].before, 32);
  EXPECT_EQ(r.layers[1].after, 16);
  EXPECT_EQ(weight_of(*pruned, r.layers[0].node).shape(), (Shape{8, 1, 3, 3}));
  EXPECT_EQ(weight_of(*pruned, r.layers[1].node).shape(), (Shape{16, 8, 3, 3}));
  const Tensor& fc1 = *pruned->graph.find_value("fc1.weight")->constant;
  EXPECT_EQ(fc1.shape(), (Shape{64, 16 * 7 * 7}));
  EXPECT_LT(r.params_after, r.params_before * 6 / 10);
  // Smaller exported file, and it imports and prepares (shapes verify).
  const std::string b0 = export_onnx_bytes(*original), b1 = export_onnx_bytes(*pruned);
  EXPECT_LT(b1.size(), b0.size() * 6 / 10);
  auto back = import_onnx_bytes(b1.data(), b1.size(), "");
  const Tensor x = test::random_f32(Shape{1, 1, 28, 28}, 9, 0.0f, 1.0f);
  const Tensor y = run1(back, "image", x);
  ASSERT_EQ(y.shape(), (Shape{1, 10}));
  EXPECT_TRUE(std::isfinite(y.as<float>()[0]));
}

// Removing channels equals ignoring them: the pruned model computes what the original
// computes with fc's weights for the removed channels zeroed (up to float summation).
TEST(Prune, StructuredEqualsZeroingTheRemovedChannels) {
  test::ModelBuilder b;
  Value* x = b.input("x", Shape{1, 3, 6, 6});
  Attributes conv;
  conv.set_ints("kernel_shape", {3, 3});
  conv.set_ints("pads", {1, 1, 1, 1});
  Value* c1 = b.op("Conv", {x, b.random_constant("w1", Shape{6, 3, 3, 3}), b.random_constant("b1", Shape{6})}, conv);
  Value* r1 = b.op("Relu", {c1});
  Attributes dw = conv;
  dw.set_int("group", 6);
  Value* d = b.op("Conv", {r1, b.random_constant("wd", Shape{6, 1, 3, 3}), b.random_constant("bd", Shape{6})}, dw);
  Value* bn = b.op("BatchNormalization", {d, b.random_constant("s", Shape{6}, 0.5f, 1.5f),
                                          b.random_constant("bb", Shape{6}), b.random_constant("m", Shape{6}),
                                          b.random_constant("v", Shape{6}, 0.5f, 1.5f)});
  Value* gp = b.op("GlobalAveragePool", {b.op("Clip", {bn})});
  Value* f = b.op("Flatten", {gp});
  Attributes gemm;
  gemm.set_int("transB", 1);
  b.output(b.op("Gemm", {f, b.random_constant("fw", Shape{4, 6}), b.random_constant("fb", Shape{4})}, gemm));
  auto model = b.model();
  quant::PruneReport r;
  auto pruned = quant::prune(*model, 0.5, true, &r);
  ASSERT_EQ(r.layers.size(), 1u);  // the depthwise Conv follows; it is not a layer of its own
  EXPECT_EQ(r.layers[0].after, 3);
  EXPECT_EQ(pruned->graph.find_value("wd")->constant->shape(), (Shape{3, 1, 3, 3}));
  EXPECT_EQ(pruned->graph.find_value("fw")->constant->shape(), (Shape{4, 3}));
  const Tensor in = test::random_f32(Shape{1, 3, 6, 6}, 4);
  const Tensor y = run1(pruned, "x", in);
  // The reference: the original with the removed channels' filters and biases zeroed.
  const Tensor& w1 = *model->graph.find_value("w1")->constant;
  const Tensor& kept_w1 = *pruned->graph.find_value("w1")->constant;
  std::vector<bool> kept(6, false);
  for (int64_t c = 0, k = 0; c < 6 && k < 3; ++c)
    if (std::memcmp(w1.as<float>() + c * 27, kept_w1.as<float>() + k * 27, 27 * 4) == 0) kept[c] = true, ++k;
  // Channels are independent up to fc (conv1 filters, depthwise, BN, Clip and pooling all
  // work per channel), so zeroing fc's columns of the removed channels removes exactly them.
  auto zeroed = quant::prune(*model, 0.0, true);  // a copy
  Tensor fwz = Tensor::copy_of(model->graph.find_value("fw")->constant->view());
  for (int c = 0; c < 6; ++c)
    if (!kept[static_cast<size_t>(c)])
      for (int o = 0; o < 4; ++o) fwz.as<float>()[o * 6 + c] = 0;
  zeroed->graph.find_value("fw")->constant = std::make_shared<const Tensor>(fwz);
  const Tensor y_ref = run1(zeroed, "x", in);
  ASSERT_EQ(y.shape(), y_ref.shape());
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y.as<float>()[i], y_ref.as<float>()[i], 1e-5);
}

// A Conv feeding a residual Add keeps its channels (documented limitation).
TEST(Prune, StructuredSkipsConvsFeedingResidualAdds) {
  test::ModelBuilder b;
  Value* x = b.input("x", Shape{1, 4, 5, 5});
  Attributes conv;
  conv.set_ints("kernel_shape", {1, 1});
  Value* c = b.op("Conv", {x, b.random_constant("w", Shape{4, 4, 1, 1})}, conv);
  b.output(b.op("Add", {c, x}));
  quant::PruneReport r;
  auto pruned = quant::prune(*b.model(), 0.5, true, &r);
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.layers[0].after, 4);
  EXPECT_NE(r.layers[0].skipped.find("Add"), std::string::npos) << r.layers[0].skipped;
  EXPECT_EQ(pruned->graph.find_value("w")->constant->shape(), (Shape{4, 4, 1, 1}));
}

}  // namespace
}  // namespace wisp
