// The ONNX exporter: import -> export -> import keeps the graph and its results bit for bit
// (the whole node conformance suite does the same through `wisp_conformance --via-onnx`).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/status.hpp"
#include "io/npy.hpp"
#include "ir/implicit_inputs.hpp"
#include "onnx/onnx_exporter.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "quant/fp16_weights.hpp"
#include "quant/int4_weights.hpp"
#include "quant/prune.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace {

namespace fs = std::filesystem;

const std::string kSample = std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx";

std::shared_ptr<Model> round_trip(const Model& m, const OnnxExportOptions& options = {}) {
  const std::string bytes = export_onnx_bytes(m, options);
  return import_onnx_bytes(bytes.data(), bytes.size(), "");
}

std::vector<Tensor> run(std::shared_ptr<const Model> m, const std::vector<NamedTensorView>& feeds) {
  SessionConfig config;
  config.default_symbolic_dim = 1;
  return Session(std::move(m), config).run(feeds);
}

void expect_bit_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<size_t>(a.bytes())), 0);
}

TEST(OnnxExporter, SampleModelRoundTripsBitExact) {
  auto original = import_onnx_file(kSample);
  auto back = round_trip(*original);
  EXPECT_EQ(back->graph.nodes().size(), original->graph.nodes().size());
  for (size_t i = 0; i < back->graph.nodes().size(); ++i) {
    EXPECT_EQ(back->graph.nodes()[i]->op_type, original->graph.nodes()[i]->op_type);
    EXPECT_EQ(back->graph.nodes()[i]->name, original->graph.nodes()[i]->name);
  }
  EXPECT_EQ(back->graph.opset_imports.at(""), original->graph.opset_imports.at(""));
  EXPECT_EQ(back->info.producer_name, "wisp");
  ASSERT_EQ(back->graph.inputs.size(), 1u);
  EXPECT_EQ(sym_shape_str(*back->graph.inputs[0]->shape), sym_shape_str(*original->graph.inputs[0]->shape));
  const Tensor x = test::random_f32(Shape{1, 1, 28, 28}, 3, 0.0f, 1.0f);
  const std::vector<NamedTensorView> feeds = {{"image", x.view()}};
  const Tensor y0 = run(original, feeds).at(0), y1 = run(back, feeds).at(0);
  ASSERT_EQ(y0.shape(), (Shape{1, 10}));
  expect_bit_equal(y1, y0);
}

TEST(OnnxExporter, WritesValueInfoAndFileOnDisk) {
  auto original = import_onnx_file(kSample);
  const std::string path = (fs::temp_directory_path() / ("wisp_export_" + std::to_string(::getpid()) + ".onnx")).string();
  export_onnx(*original, path);
  onnx::ModelProto proto;
  const std::string bytes = export_onnx_bytes(*original);
  ASSERT_TRUE(proto.ParseFromString(bytes));
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(path)), static_cast<int64_t>(bytes.size()));
  fs::remove(path);
  EXPECT_EQ(proto.producer_name(), "wisp");
  EXPECT_GE(proto.ir_version(), 4);
  EXPECT_EQ(proto.graph().initializer_size(), 8);  // 2 Conv + 2 Gemm, weight and bias each
  EXPECT_GT(proto.graph().value_info_size(), 0);
  OnnxExportOptions no_vi;
  no_vi.write_value_info = false;
  ASSERT_TRUE(proto.ParseFromString(export_onnx_bytes(*original, no_vi)));
  EXPECT_EQ(proto.graph().value_info_size(), 0);
}

TEST(OnnxExporter, RefusesWispFusionAttributes) {
  // NCHW: with the NHWC layout the Nhwc ops (com.wisp) are refused first, by op.
  auto fused = optimize_model(*import_onnx_file(kSample), OptimizeOptions{.layout = Layout::kNchw});
  try {
    export_onnx_bytes(*fused);
    FAIL() << "a graph with wisp_activation was exported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("wisp_activation"), std::string::npos) << e.what();
  }
}

// A node whose canonical form needs a later opset raises the model's opset: Squeeze-11's
// axes attribute became an input (opset 13), a ReduceMean-13 axes attribute (opset 18).
TEST(OnnxExporter, RaisesOpsetForCanonicalForms) {
  test::ModelBuilder b;
  Value* x = b.input("x", Shape{1, 3, 1, 4});
  Value* axes = b.constant("axes", Tensor::from<int64_t>({1}, {2}));
  Value* s = b.op("Squeeze", {x, axes});
  b.output(s);
  auto m = b.model();
  m->graph.opset_imports[""] = 11;
  for (const auto& n : m->graph.nodes()) n->opset = 11;
  EXPECT_EQ(onnx_export_opset(*m), 13);
  OnnxExportOptions o21;
  o21.min_opset = 21;
  EXPECT_EQ(onnx_export_opset(*m, o21), 21);
  auto back = round_trip(*m);
  EXPECT_EQ(back->graph.opset_imports.at(""), 13);
  const Tensor in = test::random_f32(Shape{1, 3, 1, 4}, 5);
  expect_bit_equal(run(back, {{"x", in.view()}}).at(0), run(m, {{"x", in.view()}}).at(0));
}

// Implicit inputs of Loop (what its body reads from the main graph: `delta` here) are not
// written as node inputs; the re-imported Loop reads them by name again.
TEST(OnnxExporter, LoopWithOuterReferencesRoundTrips) {
  const std::string dir = "/usr/share/libonnx-testdata/data/node/test_range_float_type_positive_delta_expanded";
  if (!fs::exists(dir)) GTEST_SKIP() << "no ONNX test data";
  auto original = import_onnx_file(dir + "/model.onnx");
  const Node* loop = nullptr;
  for (const auto& n : original->graph.nodes())
    if (n->op_type == "Loop") loop = n.get();
  ASSERT_NE(loop, nullptr);
  ASSERT_GT(loop->inputs.size(), static_cast<size_t>(explicit_input_count(*loop)));  // delta is implicit
  const std::string bytes = export_onnx_bytes(*original);
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  for (const auto& n : proto.graph().node()) {
    if (n.op_type() != "Loop") continue;
    EXPECT_EQ(n.input_size(), explicit_input_count(*loop));
    for (const auto& a : n.attribute()) EXPECT_EQ(a.name(), "body");
  }
  auto back = import_onnx_bytes(bytes.data(), bytes.size(), "");
  Tensor start = Tensor::from<float>({}, {1.0f}), limit = Tensor::from<float>({}, {5.0f}),
         delta = Tensor::from<float>({}, {0.5f});
  const std::vector<NamedTensorView> feeds = {{"start", start.view()}, {"limit", limit.view()}, {"delta", delta.view()}};
  const Tensor y = run(back, feeds).at(0);
  ASSERT_EQ(y.shape(), (Shape{8}));
  EXPECT_EQ(y.as<float>()[7], 4.5f);
  expect_bit_equal(y, run(original, feeds).at(0));
}

// A torch.onnx export of a CNN (the zoo's ResNet-18: BatchNorm, residual Adds, Flatten,
// Gemm). The zoo lives in the main checkout, not in git: skipped where it is absent.
TEST(OnnxExporter, TorchResNet18RoundTripsBitExact) {
  const std::string path = "/work/main/bench/models/out/resnet18.onnx";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  auto original = import_onnx_file(path);
  auto back = round_trip(*original);
  const Tensor x = read_npy("/work/main/bench/models/out/resnet18.input.npy");
  const std::string in = original->graph.inputs.at(0)->name;
  expect_bit_equal(run(back, {{in, x.view()}}).at(0), run(original, {{in, x.view()}}).at(0));
}

// Writes exported models, inputs and Wisp's outputs for tests/onnx/ort_check.js (the
// ctest onnx_export_loads_in_ort): the directory comes from WISP_ORT_CHECK_DIR; without
// it the test only checks that every model exports.
TEST(OnnxExporter, ExportForOrt) {
  const char* dir = std::getenv("WISP_ORT_CHECK_DIR");
  std::vector<std::pair<std::string, std::shared_ptr<Model>>> models;
  auto sample = import_onnx_file(kSample);
  models.push_back({"fashion_mnist_cnn", sample});
  models.push_back({"fashion_mnist_cnn_fp16", quant::convert_weights_fp16(*sample)});
  models.push_back({"fashion_mnist_cnn_pruned", quant::prune(*sample, 0.5, true)});
  const std::string zoo = "/work/main/bench/models/out/";
  for (const char* name : {"resnet18", "mobilenet_v2"})
    if (fs::exists(zoo + name + ".onnx")) {
      auto m = import_onnx_file(zoo + name + ".onnx");
      models.push_back({name, m});
      if (dir) models.push_back({std::string(name) + "_pruned50", quant::prune(*m, 0.5, true)});
    }
  if (fs::exists(zoo + "transformer_encoder.onnx"))
    models.push_back({"transformer_encoder_int4", quant::quantize_weights_int4(*import_onnx_file(zoo + "transformer_encoder.onnx"), 32)});
  if (dir) fs::create_directories(dir);
  for (const auto& [name, m] : models) {
    const std::string bytes = export_onnx_bytes(*m);
    ASSERT_GT(bytes.size(), 0u);
    if (!dir) continue;
    const Value* in = m->graph.inputs.at(0);
    Shape shape;
    for (const SymDim& d : *in->shape) shape.push_back(d.is_static() ? d.value : 1);
    const Tensor x = test::random_f32(shape, 21, 0.0f, 1.0f);
    const std::string base = std::string(dir) + "/" + name;
    export_onnx(*m, base + ".onnx");
    write_npy(base + ".input.npy", x.view());
    write_npy(base + ".wisp.npy", run(m, {{in->name, x.view()}}).at(0).view());
  }
}

}  // namespace
}  // namespace wisp
