// The whole optimizer: Constant nodes, the sample model end to end, options.
#include <cmath>

#include "io/npy.hpp"
#include "ir/graph_clone.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "runtime/session.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

TEST(ConstantNodesToValues, ClipBoundsFromConstantNodesFuse) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 2, 4, 4}), b.random_constant("w", {3, 2, 3, 3})});
  Attributes lo, hi;
  lo.set_tensor("value", Tensor::from<float>({}, {0.0f}));
  hi.set_float("value_float", 0.5f);
  b.output(b.op("Clip", {conv, b.op("Constant", {}, lo), b.op("Constant", {}, hi)}));
  auto before = b.model();
  // NCHW pinned: the layout pass would (rightly) put this 3x3 Conv in NHWC on x86.
  auto after = optimize_model(*before, OptimizeOptions{.layout = Layout::kNchw});
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Conv", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(OptimizeGraph, ReachesAFixedPointAndHonoursDisabledPasses) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 2, 4, 4}), b.random_constant("w", {3, 2, 1, 1})});
  b.output(b.op("Relu", {b.op("Identity", {conv})}));
  auto before = b.model();
  auto m = clone_model(*before);
  OptimizeReport r = optimize_graph(m->graph);
  EXPECT_EQ(m->graph.nodes().size(), 1u);
  EXPECT_GE(r.rounds, 2) << "the last round must find nothing to do";
  auto kept = clone_model(*before);
  optimize_graph(kept->graph, OptimizeOptions{.disabled = {"fuse_activation"}});
  EXPECT_EQ(test::op_counts(kept->graph), (std::map<std::string, int>{{"Conv", 1}, {"Relu", 1}}));
  EXPECT_EQ(before->graph.nodes().size(), 3u) << "optimize_model must not touch its input";
}

const std::string kModels = std::string(WISP_SOURCE_DIR) + "/models/";

TEST(OptimizeModel, SampleModelSameLogitsWithFewerNodes) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  // NCHW pinned: the node count is that of the fusions; with a SIMD NhwcConv kernel kAuto
  // may pick NHWC, which adds the conversion Transposes (layout_nhwc_test covers that).
  auto optimized = optimize_model(*model, OptimizeOptions{.layout = Layout::kNchw});
  const auto counts = test::op_counts(optimized->graph);
  EXPECT_EQ(counts.count("Relu"), 0u) << "every Relu follows a Conv or Gemm here";
  EXPECT_EQ(model->graph.nodes().size(), 10u);
  EXPECT_EQ(optimized->graph.nodes().size(), 7u);
  Tensor u8 = read_npy(kModels + "fashion_mnist_test_images.npy");
  Tensor x(DType::kF32, Shape{100, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = u8.as<uint8_t>()[i] / 255.0f;
  Session a(model), b(optimized);
  const Tensor ya = a.run({{"image", x.view()}})[0], yb = b.run({{"image", x.view()}})[0];
  ASSERT_EQ(ya.shape(), yb.shape());
  for (int64_t i = 0; i < ya.numel(); ++i) {
    const float p = ya.as<float>()[i], q = yb.as<float>()[i];
    ASSERT_LE(std::fabs(p - q), 1e-5 * std::max(1.0f, std::fabs(p))) << "logit " << i;
  }
}

}  // namespace
}  // namespace wisp
