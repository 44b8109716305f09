// The NHWC layout pass (passes/layout_nhwc.cpp) through the whole optimizer: which nodes
// end up in NHWC, which conversions are left (node types and counts), and the same outputs
// as the unoptimized graph (reference kernels for the Nhwc ops where no SIMD kernel is
// registered). Cases: conv chain + GlobalAveragePool + Flatten, a residual block, a
// squeeze-excite block, a squeezenet fire module (Concat), a graph where NHWC does not pay
// (reverted), a grouped conv (stays NCHW), and the gate / WISP_LAYOUT.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ir/ops/epilogue_attrs.hpp"
#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "runtime/model_stats.hpp"
#include "runtime/session.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;
using Counts = std::map<std::string, int>;

Attributes conv_at(int64_t pad, int64_t stride = 1, int64_t group = 1) {
  Attributes a;
  a.set_ints("pads", {pad, pad, pad, pad});
  a.set_ints("strides", {stride, stride});
  a.set_int("group", group);
  return a;
}

// Conv with random weights [m, c/group, k, k] and bias.
Value* conv(ModelBuilder& b, Value* x, int64_t c, int64_t m, int64_t k, int64_t stride = 1, int64_t group = 1) {
  static int id = 0;
  const std::string n = "w" + std::to_string(id++);
  return b.op("Conv", {x, b.random_constant(n, {m, c / group, k, k}, -0.5f, 0.5f), b.random_constant(n + "b", {m})},
              conv_at(k / 2, stride, group));
}

struct Optimized {
  std::shared_ptr<Model> model;
  OptimizeReport report;
};

Optimized optimize(const Model& m, Layout layout) {
  Optimized o;
  o.model = test::apply_pass(m, [](Graph&) { return false; });  // a verified copy
  o.report = optimize_graph(o.model->graph, OptimizeOptions{.layout = layout});
  return o;
}

TEST(LayoutNhwc, ConvChainEndsWithOneConversionAndAReshapeBeforeFlatten) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 16, 16});
  Value* y = b.op("Relu", {conv(b, x, 3, 16, 3, 2)});
  y = b.op("Clip", {conv(b, y, 16, 16, 3, 1, 16), b.constant("lo", Tensor::from<float>({}, {0})),
                     b.constant("hi", Tensor::from<float>({}, {6}))});  // depthwise + ReLU6
  y = conv(b, y, 16, 24, 1);
  y = b.op("Relu", {conv(b, y, 24, 32, 1)});
  b.output(b.op("Flatten", {b.op("GlobalAveragePool", {y})}));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwc);
  EXPECT_EQ(test::op_counts(after.model->graph),
            (Counts{{"Flatten", 1}, {"NhwcConv", 3}, {"NhwcDepthwiseConv", 1}, {"NhwcGlobalAveragePool", 1},
                    {"Reshape", 1}, {"Transpose", 1}}));
  EXPECT_EQ(after.report.layout.decision, "nhwc");
  EXPECT_EQ(after.report.layout.nhwc_nodes, 5);
  EXPECT_EQ(after.report.layout.conversions, 1);  // the input
  EXPECT_EQ(after.report.layout.conversion_elements, 3 * 16 * 16);
  EXPECT_EQ(after.report.layout.trivial_conversions, 1);
  for (const auto& n : after.model->graph.nodes())
    if (n->op_type == "NhwcDepthwiseConv") {
      EXPECT_EQ(n->attrs.get_string(kActivationAttr, ""), "Clip");
    }
  test::expect_same_outputs(*before, *after.model);
  // The Nhwc convs count the MACs of the Conv they replace (wisp bench's GFLOP/s).
  Session sa(before), sb(after.model);
  sa.prepare({});
  sb.prepare({});
  const int64_t macs = compute_model_stats(*before, &sa).macs;
  EXPECT_EQ(macs, 16 * 8 * 8 * 27 + 16 * 8 * 8 * 9 + 24 * 8 * 8 * 16 + 32 * 8 * 8 * 24);
  EXPECT_EQ(compute_model_stats(*after.model, &sb).macs, macs);
  // kNchw and an explicit disable leave the graph in NCHW.
  EXPECT_EQ(test::op_counts(optimize(*before, Layout::kNchw).model->graph).count("NhwcConv"), 0u);
  auto off = test::apply_pass(*before, [](Graph&) { return false; });
  optimize_graph(off->graph, OptimizeOptions{.disabled = {"layout_nhwc"}, .layout = Layout::kNhwc});
  EXPECT_EQ(test::op_counts(off->graph).count("NhwcConv"), 0u);
}

TEST(LayoutNhwc, ResidualBlockFusesIntoNhwcConv) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 20, 20});
  Value* stem = b.op("Relu", {conv(b, x, 3, 8, 3, 2)});
  Attributes pool;
  pool.set_ints("kernel_shape", {3, 3});
  pool.set_ints("strides", {2, 2});
  pool.set_ints("pads", {1, 1, 1, 1});
  Value* p = b.op("MaxPool", {stem}, pool);  // read by the block's conv and its Add
  Value* y = b.op("Relu", {conv(b, p, 8, 8, 3)});
  y = b.op("Relu", {b.op("Add", {conv(b, y, 8, 8, 3), p})});
  y = b.op("Relu", {b.op("Add", {conv(b, b.op("Relu", {conv(b, y, 8, 8, 3)}), 8, 8, 3), y})});  // second block
  b.output(b.op("Flatten", {b.op("GlobalAveragePool", {y})}));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwc);
  EXPECT_EQ(test::op_counts(after.model->graph),
            (Counts{{"Flatten", 1}, {"NhwcConv", 5}, {"NhwcMaxPool", 1}, {"NhwcGlobalAveragePool", 1}, {"Reshape", 1},
                    {"Transpose", 1}}));
  int residual = 0;
  for (const auto& n : after.model->graph.nodes())
    if (n->attrs.has(kResidualAttr)) {
      ++residual;
      EXPECT_EQ(n->attrs.get_string(kActivationAttr, ""), "Relu");
    }
  EXPECT_EQ(residual, 2);
  test::expect_same_outputs(*before, *after.model);
}

TEST(LayoutNhwc, SqueezeExciteMulRunsInNhwc) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 12, 12});
  Value* f = b.op("Relu", {conv(b, x, 3, 16, 3)});
  Value* s = b.op("GlobalAveragePool", {f});
  s = b.op("Relu", {conv(b, s, 16, 4, 1)});
  s = b.op("HardSigmoid", {conv(b, s, 4, 16, 1)});
  Value* y = conv(b, b.op("Mul", {f, s}), 16, 8, 1);
  b.output(b.op("Relu", {y}));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwc);
  // Mul([1, 12, 12, 16], [1, 1, 1, 16]) in NHWC; conversions only at the input and output.
  EXPECT_EQ(test::op_counts(after.model->graph),
            (Counts{{"Mul", 1}, {"NhwcConv", 4}, {"NhwcGlobalAveragePool", 1}, {"Transpose", 2}}));
  EXPECT_EQ(after.report.layout.conversions, 2);
  test::expect_same_outputs(*before, *after.model);
}

TEST(LayoutNhwc, FireModuleConcatOnTheChannelAxis) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 17, 17});
  Value* stem = b.op("Relu", {conv(b, x, 3, 16, 3, 2)});
  Attributes pool;
  pool.set_ints("kernel_shape", {3, 3});
  pool.set_ints("strides", {2, 2});
  pool.set_int("ceil_mode", 1);
  Value* sq = b.op("Relu", {conv(b, b.op("MaxPool", {stem}, pool), 16, 4, 1)});
  Attributes axis;
  axis.set_int("axis", 1);
  Value* cat = b.op("Concat", {b.op("Relu", {conv(b, sq, 4, 8, 1)}), b.op("Relu", {conv(b, sq, 4, 8, 3)})}, axis);
  Attributes avg;
  avg.set_ints("kernel_shape", {2, 2});
  Value* y = b.op("AveragePool", {b.op("Relu", {conv(b, cat, 16, 10, 1)})}, avg);
  b.output(b.op("Flatten", {b.op("GlobalAveragePool", {y})}));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwc);
  EXPECT_EQ(test::op_counts(after.model->graph),
            (Counts{{"Concat", 1}, {"Flatten", 1}, {"NhwcAveragePool", 1}, {"NhwcConv", 5}, {"NhwcGlobalAveragePool", 1},
                    {"NhwcMaxPool", 1}, {"Reshape", 1}, {"Transpose", 1}}));
  for (const auto& n : after.model->graph.nodes())
    if (n->op_type == "Concat") {
      EXPECT_EQ(n->attrs.get_int("axis", 0), 3);
    }
  test::expect_same_outputs(*before, *after.model);
}

TEST(LayoutNhwc, RevertedWhenConversionsCostMoreThanTheySave) {
  // One 1x1 conv between NCHW graph input and output: conversions of 8*64 + 8*64 elements
  // against 8*64 packing elements removed -> stays NCHW (unless forced).
  ModelBuilder b;
  b.output(conv(b, b.input("x", {1, 8, 8, 8}), 8, 8, 1));
  auto before = b.model();
  const Optimized kept = optimize(*before, Layout::kNhwc);
  EXPECT_EQ(test::op_counts(kept.model->graph), (Counts{{"Conv", 1}}));
  EXPECT_EQ(kept.report.layout.decision, "nchw");
  EXPECT_NE(kept.report.layout.reason.find("does not pay"), std::string::npos) << kept.report.layout.reason;
  const Optimized forced = optimize(*before, Layout::kNhwcAlways);
  EXPECT_EQ(test::op_counts(forced.model->graph), (Counts{{"NhwcConv", 1}, {"Transpose", 2}}));
  test::expect_same_outputs(*before, *forced.model);
}

TEST(LayoutNhwc, GroupedConvStaysNchw) {
  ModelBuilder b;
  Value* y = b.op("Relu", {conv(b, b.input("x", {1, 4, 10, 10}), 4, 8, 3)});
  y = b.op("Relu", {conv(b, y, 8, 8, 3, 1, 2)});  // group 2 of 4 channels: no Nhwc form
  b.output(conv(b, y, 8, 6, 3));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwcAlways);
  EXPECT_EQ(test::op_counts(after.model->graph), (Counts{{"Conv", 1}, {"NhwcConv", 2}, {"Transpose", 4}}));
  for (const auto& n : after.model->graph.nodes())
    if (n->op_type == "Conv") {
      EXPECT_EQ(n->attrs.get_int("group", 1), 2);
    }
  test::expect_same_outputs(*before, *after.model);
}

TEST(LayoutNhwc, FusionsApplyToNhwcConvsDirectly) {
  // NhwcConv -> Add(r) -> Relu, as the layout pass would leave it if it ran first.
  ModelBuilder b;
  Value* x = b.input("x", {1, 5, 5, 4});
  Node* c = b.node("Conv", {x, b.random_constant("w", {4, 4, 3, 3}), b.random_constant("bias", {4})}, conv_at(1));
  c->op_type = "NhwcConv";
  c->domain = "com.wisp";
  b.output(b.op("Relu", {b.op("Add", {c->outputs[0], b.input("r", {1, 5, 5, 4})})}));
  auto before = b.model();
  auto after = test::apply_pass(*before, [](Graph& g) { return passes::fuse_residual_add(g) && passes::fuse_activation(g); });
  ASSERT_EQ(test::op_counts(after->graph), (Counts{{"NhwcConv", 1}}));
  EXPECT_EQ(after->graph.nodes()[0]->attrs.get_string(kActivationAttr, ""), "Relu");
  EXPECT_TRUE(after->graph.nodes()[0]->attrs.has(kResidualAttr));
  test::expect_same_outputs(*before, *after);
}

TEST(LayoutNhwc, ValueWithAnNchwReaderKeepsOneConversionForIt) {
  // y feeds the next conv (NHWC, no conversion) and a Softmax over channels (NCHW: y's
  // conversion back stays, for it alone).
  ModelBuilder b;
  Value* y = b.op("Relu", {conv(b, b.input("x", {1, 4, 9, 9}), 4, 8, 3)});
  Attributes axis;
  axis.set_int("axis", 1);
  b.output(b.op("Softmax", {y}, axis));
  b.output(conv(b, y, 8, 8, 3));
  auto before = b.model();
  const Optimized after = optimize(*before, Layout::kNhwcAlways);
  EXPECT_EQ(test::op_counts(after.model->graph), (Counts{{"NhwcConv", 2}, {"Softmax", 1}, {"Transpose", 3}}));
  int conv_reads_conv = 0;  // the second conv reads the first one's NHWC output directly
  for (const auto& n : after.model->graph.nodes())
    conv_reads_conv += n->op_type == "NhwcConv" && n->inputs[0]->producer && n->inputs[0]->producer->op_type == "NhwcConv";
  EXPECT_EQ(conv_reads_conv, 1);
  test::expect_same_outputs(*before, *after.model);
}

TEST(LayoutNhwc, TransposeOfUnitAxesBecomesReshape) {
  ModelBuilder b;
  Attributes to_nchw;
  to_nchw.set_ints("perm", {0, 3, 1, 2});
  b.output(b.op("Transpose", {b.input("pooled", {2, 1, 1, 5})}, to_nchw));  // [2, 5, 1, 1]: same order
  b.output(b.op("Transpose", {b.input("plane", {1, 2, 1, 3})}, to_nchw));   // 3 before 2: a real move
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::transposes_to_reshapes);
  EXPECT_EQ(test::op_counts(after->graph), (Counts{{"Reshape", 1}, {"Transpose", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(LayoutNhwc, EnvironmentOverridesAuto) {
  ::setenv("WISP_LAYOUT", "nchw", 1);
  EXPECT_EQ(resolve_layout(Layout::kAuto), Layout::kNchw);
  EXPECT_EQ(resolve_layout(Layout::kNhwc), Layout::kNhwc);  // an explicit choice wins
  ::setenv("WISP_LAYOUT", "nhwc-always", 1);
  EXPECT_EQ(resolve_layout(Layout::kAuto), Layout::kNhwcAlways);
  ::setenv("WISP_LAYOUT", "sideways", 1);
  EXPECT_THROW(resolve_layout(Layout::kAuto), Error);
  ::unsetenv("WISP_LAYOUT");
  const Layout a = resolve_layout(Layout::kAuto);
  EXPECT_TRUE(a == Layout::kNchw || a == Layout::kNhwc);
}

}  // namespace
}  // namespace wisp
