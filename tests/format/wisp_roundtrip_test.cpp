// ONNX -> .wisp -> run gives the same outputs as the ONNX model; weights are used in place.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "api/model_loading.hpp"
#include "format/wisp_format.hpp"
#include "format/wisp_test_model.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("wisp_format_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Every constant of the graph (and its subgraphs) borrows its bytes from [base, base+size)
// at a 64-byte-aligned address.
int64_t count_in_place_constants(const Graph& g, const format::LoadedWisp& w) {
  int64_t n = 0;
  for (const auto& v : g.values()) {
    if (!v->is_constant() || v->constant->bytes() == 0) continue;
    const auto* p = static_cast<const std::byte*>(v->constant->data());
    EXPECT_GE(p, w.base) << v->name;
    EXPECT_LE(p + v->constant->bytes(), w.base + w.size) << v->name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << v->name;
    ++n;
  }
  for (const auto& node : g.nodes())
    for (const auto& [name, a] : node->attrs.items()) {
      if (a.g) n += count_in_place_constants(*a.g, w);
      for (const auto& sub : a.graphs) n += count_in_place_constants(*sub, w);
    }
  return n;
}

TEST(WispRoundTrip, SampleModelSameOutputsAndZeroCopy) {
  const std::string onnx = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";
  std::shared_ptr<Model> optimized = optimize_model(*import_onnx_file(onnx));
  const std::string path = temp_path("fmnist.wisp");
  format::write_wisp_file(path, *optimized, format::Metadata{}, nullptr);
  format::LoadedWisp w = format::load_wisp_file(path);
  fs::remove(path);  // the mapping keeps the data alive after unlink
  EXPECT_EQ(w.format_major, format::kFormatMajor);
  EXPECT_EQ(w.model->graph.nodes().size(), optimized->graph.nodes().size());
  EXPECT_GE(count_in_place_constants(w.model->graph, w), 4);  // 2 Conv + 2 Gemm weights at least

  // Bit-identical to the optimized ONNX model (same graph, same kernels), and within float
  // rounding of the original import (fusions reorder sums).
  const Tensor x = test::random_f32(Shape{1, 1, 28, 28}, 7, 0.0f, 1.0f);
  SessionConfig config;
  config.default_symbolic_dim = 1;
  auto run = [&](std::shared_ptr<const Model> m) { return Session(m, config).run({{"image", x.view()}}).at(0); };
  const Tensor y_wisp = run(w.model), y_opt = run(optimized), y_onnx = run(import_onnx_file(onnx));
  ASSERT_EQ(y_wisp.shape(), (Shape{1, 10}));
  EXPECT_EQ(std::memcmp(y_wisp.data(), y_opt.data(), static_cast<size_t>(y_opt.bytes())), 0);
  EXPECT_TRUE(test::tensors_near(y_wisp, y_onnx, 1e-4, 1e-5));
}

TEST(WispRoundTrip, SmallModelBitExactAndGraphPreserved) {
  auto m = test::make_wisp_test_model();
  const std::vector<std::byte> bytes = format::serialize_wisp(*m, {}, nullptr);
  format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());
  const Graph& g = w.model->graph;
  ASSERT_EQ(g.nodes().size(), 4u);
  EXPECT_EQ(g.nodes()[3]->op_type, "Gemm");
  EXPECT_EQ(g.nodes()[3]->attrs.get_int("transB", 0), 1);
  EXPECT_FLOAT_EQ(g.nodes()[3]->attrs.get_float("alpha", 1), 0.5f);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "x");
  ASSERT_TRUE(g.inputs[0]->shape.has_value());
  EXPECT_EQ(sym_shape_str(*g.inputs[0]->shape), "[2,8]");
  EXPECT_EQ(count_in_place_constants(g, w), 3);
  const double diff = test::expect_same_outputs(*m, *w.model, 3);
  EXPECT_EQ(diff, 0.0);  // same graph, same kernels: bit-identical
}

// The stored plan is what a Session prepared on the loaded model uses for the same shapes.
TEST(WispRoundTrip, StoredPlanMatchesTheSessionsPlan) {
  const std::string onnx = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";
  std::shared_ptr<Model> optimized = optimize_model(*import_onnx_file(onnx));
  const std::optional<format::StoredPlan> plan = format::plan_for_declared_shapes(optimized);
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->input_shapes.at("image"), (std::vector<int64_t>{1, 1, 28, 28}));  // batch -> 1
  EXPECT_GT(plan->arena_bytes, 0);
  EXPECT_GE(plan->entries.size(), 3u);
  const auto bytes = format::serialize_wisp(*optimized, {}, &*plan);
  format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());
  ASSERT_TRUE(w.plan.has_value());
  SessionConfig config;
  config.default_symbolic_dim = 1;
  Session s(w.model, config);
  s.prepare({{"image", Shape{1, 1, 28, 28}}});
  EXPECT_EQ(s.arena_bytes(), w.plan->arena_bytes);
  for (const auto& e : w.plan->entries) {
    const TensorView* v = s.prepared_value(w.model->graph.find_value(e.value));
    ASSERT_NE(v, nullptr) << e.value;
    EXPECT_EQ(static_cast<const std::byte*>(v->data) - s.arena_data(), e.offset) << e.value;
    EXPECT_EQ(v->bytes(), e.size) << e.value;
  }
}

// Conformance models with If / Loop / Scan bodies: subgraphs (with their own values,
// constants and outer references) survive the round trip; outputs equal the ONNX model's
// on the test's own input data.
class WispSubgraphRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(WispSubgraphRoundTrip, SameOutputsAsOnnx) {
  const fs::path dir = fs::path("/usr/share/libonnx-testdata/data/node") / GetParam();
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << dir << " not installed";
  std::shared_ptr<Model> onnx = import_onnx_file((dir / "model.onnx").string());
  bool has_subgraph = false;
  for (const auto& n : onnx->graph.nodes())
    for (const auto& [name, a] : n->attrs.items()) has_subgraph = has_subgraph || a.g != nullptr;
  EXPECT_TRUE(has_subgraph);
  const std::vector<std::byte> bytes = format::serialize_wisp(*onnx, {}, nullptr);
  format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());

  std::vector<Tensor> inputs;
  std::vector<NamedTensorView> feeds;
  for (size_t i = 0; i < onnx->graph.inputs.size(); ++i)
    inputs.push_back(read_onnx_tensor_file((dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb")).string()));
  for (size_t i = 0; i < inputs.size(); ++i) feeds.push_back({onnx->graph.inputs[i]->name, inputs[i].view()});
  Session a(onnx), b(w.model);
  std::vector<Tensor> ya = a.run(feeds), yb = b.run(feeds);
  ASSERT_EQ(ya.size(), yb.size());
  for (size_t i = 0; i < ya.size(); ++i) {
    ASSERT_EQ(ya[i].shape(), yb[i].shape());
    ASSERT_EQ(ya[i].dtype(), yb[i].dtype());
    EXPECT_EQ(std::memcmp(ya[i].data(), yb[i].data(), static_cast<size_t>(ya[i].bytes())), 0) << "output " << i;
    // And the ONNX test's expected output.
    Tensor expected = read_onnx_tensor_file((dir / "test_data_set_0" / ("output_" + std::to_string(i) + ".pb")).string());
    EXPECT_TRUE(test::tensors_near(yb[i], expected, 1e-5, 1e-6));
  }
}

INSTANTIATE_TEST_SUITE_P(ControlFlow, WispSubgraphRoundTrip,
                         ::testing::Values("test_if", "test_loop11", "test_scan9_sum", "test_scan_sum"));

// The format is recognised by content, not by file name.
TEST(WispModelLoading, ByMagicNotByExtension) {
  auto m = test::make_wisp_test_model();
  const std::string path = temp_path("model.onnx");  // a .wisp named .onnx
  format::write_wisp_file(path, *m, {}, nullptr);
  EXPECT_TRUE(is_wisp_file(path));
  LoadedModel loaded = load_model_file(path);
  fs::remove(path);
  EXPECT_EQ(loaded.format, ModelFormat::kWisp);
  EXPECT_EQ(loaded.model->graph.nodes().size(), 4u);
  const std::string onnx = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";
  EXPECT_FALSE(is_wisp_file(onnx));
  EXPECT_EQ(load_model_file(onnx).format, ModelFormat::kOnnx);
}

}  // namespace
}  // namespace wisp
