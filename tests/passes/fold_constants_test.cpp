#include <cstring>

#include "ir/graph_clone.hpp"
#include "kernels/kernel_registry.hpp"
#include "passes/passes.hpp"
#include "runtime/session.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

// A test-only nondeterministic op (Wisp has no random op yet): y = x + a counter, so two
// evaluations differ, as a RandomNormal's would.
void infer_noisy(InferContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); }
int g_noise_calls = 0;
void noisy_kernel(const KernelArgs& a) {
  ++g_noise_calls;
  for (int64_t i = 0; i < a.in[0]->numel(); ++i)
    a.out[0]->as<float>()[i] = a.in[0]->as<float>()[i] + static_cast<float>(g_noise_calls);
}
WISP_REGISTER_OP({.op_type = "NoisyLike", .domain = "test.fold", .infer = infer_noisy, .nondeterministic = true});
WISP_REGISTER_KERNEL("NoisyLike", DType::kUndefined, Isa::kRef, noisy_kernel, "test.fold");

Value* i64_const(ModelBuilder& b, const std::string& name, std::initializer_list<int64_t> v) {
  return b.constant(name, Tensor::from<int64_t>({static_cast<int64_t>(v.size())}, v));
}

Attributes ints_attr(const std::string& name, int64_t v) {
  Attributes a;
  a.set_int(name, v);
  return a;
}

std::vector<int64_t> ints_of(const Value* v) {
  if (!v || !v->constant) return {};
  const Tensor& t = *v->constant;
  return std::vector<int64_t>(t.as<int64_t>(), t.as<int64_t>() + t.numel());
}

// Runs both models on one input "x" of `shape` and compares every output bit for bit
// (int64 outputs included, which test::expect_same_outputs reads as floats).
void expect_identical_outputs(const Model& before, const Model& after, const Shape& shape) {
  Tensor in(DType::kF32, shape);
  for (int64_t i = 0; i < in.numel(); ++i) in.as<float>()[i] = static_cast<float>(i % 11) - 5;
  Session sa(clone_model(before)), sb(clone_model(after));
  const auto ya = sa.run({{"x", in.view()}}), yb = sb.run({{"x", in.view()}});
  ASSERT_EQ(ya.size(), yb.size());
  for (size_t o = 0; o < ya.size(); ++o) {
    ASSERT_EQ(ya[o].dtype(), yb[o].dtype()) << "output " << o;
    ASSERT_EQ(ya[o].shape(), yb[o].shape()) << "output " << o;
    if (ya[o].bytes() > 0) {  // an empty tensor may have no data pointer
      EXPECT_EQ(std::memcmp(ya[o].data(), yb[o].data(), size_t(ya[o].bytes())), 0) << "output " << o;
    }
  }
}

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape: the PyTorch flatten idiom.
TEST(FoldConstants, ShapeGatherUnsqueezeConcatChainBecomesOneConstantShape) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3, 4, 5});
  Value* s = b.op("Shape", {x});
  Value* d0 = b.op("Gather", {s, b.constant("i0", Tensor::from<int64_t>({}, {0}))});
  Value* d1 = b.op("Gather", {s, b.constant("i1", Tensor::from<int64_t>({}, {1}))});
  Value* u0 = b.op("Unsqueeze", {d0, i64_const(b, "ax0", {0})});
  Value* u1 = b.op("Unsqueeze", {d1, i64_const(b, "ax1", {0})});
  Value* shape = b.op("Concat", {u0, u1, i64_const(b, "rest", {-1})}, ints_attr("axis", 0));
  b.output(b.op("Reshape", {x, shape}));
  auto before = b.model();
  EXPECT_EQ(before->graph.nodes().size(), 7u);
  bool changed = false;
  auto after = test::apply_pass(*before, passes::fold_constants, &changed);
  EXPECT_TRUE(changed);
  ASSERT_EQ(after->graph.nodes().size(), 1u);
  const Node& r = *after->graph.nodes()[0];
  EXPECT_EQ(r.op_type, "Reshape");
  ASSERT_TRUE(r.inputs[1]->is_constant());
  EXPECT_EQ(ints_of(r.inputs[1]), (std::vector<int64_t>{2, 3, -1}));
  EXPECT_EQ(r.inputs[1]->name, shape->name);  // the folded value keeps its name
  test::expect_same_outputs(*before, *after);
}

TEST(FoldConstants, ShapeRespectsStartAndEnd) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3, 4, 5});
  Node* mid = b.node("Shape", {x});
  mid->attrs.set_int("start", 1);
  mid->attrs.set_int("end", -1);
  Node* tail = b.node("Shape", {x});
  tail->attrs.set_int("start", -2);
  Node* empty = b.node("Shape", {x});  // start past end: an empty shape
  empty->attrs.set_int("start", 3);
  empty->attrs.set_int("end", 1);
  Value* size = b.op("Size", {x});
  b.output(b.op("Reshape", {x, b.op("Concat", {i64_const(b, "m1", {-1}), tail->outputs[0]}, ints_attr("axis", 0))}));
  for (Value* v : {mid->outputs[0], empty->outputs[0], size}) b.output(v);
  auto before = b.model();
  const std::string mid_name = mid->outputs[0]->name, tail_name = tail->outputs[0]->name,
                    empty_name = empty->outputs[0]->name, size_name = size->name;
  auto after = clone_model(*before);
  ASSERT_TRUE(passes::fold_constants(after->graph));
  const Graph& g = after->graph;
  ASSERT_TRUE(g.find_value(mid_name) && g.find_value(mid_name)->is_constant());
  EXPECT_EQ(ints_of(g.find_value(mid_name)), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(g.find_value(tail_name), nullptr);  // folded into the Reshape's shape, then unread
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(ints_of(g.nodes()[0]->inputs[1]), (std::vector<int64_t>{-1, 4, 5}));
  EXPECT_EQ(g.find_value(empty_name)->constant->numel(), 0);
  EXPECT_EQ(g.find_value(size_name)->constant->shape().rank(), 0);
  EXPECT_EQ(g.find_value(size_name)->constant->as<int64_t>()[0], 120);
  EXPECT_EQ(test::op_counts(g), (std::map<std::string, int>{{"Reshape", 1}}));
  expect_identical_outputs(*before, *after, Shape{2, 3, 4, 5});
}

// x: [N, 3, 4] with N symbolic. Shape(x, start=1) folds to [3, 4]; Shape(x) and Size(x)
// depend on N and must stay, and the model must still run for any N.
TEST(FoldConstants, NeverFoldsADynamicDim) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 4});
  (*x->shape)[0] = SymDim{-1, "N"};
  Node* static_part = b.node("Shape", {x});
  static_part->attrs.set_int("start", 1);
  Node* batch = b.node("Shape", {x});
  batch->attrs.set_int("end", 1);
  Value* whole = b.op("Shape", {x});
  Value* size = b.op("Size", {x});
  // y1 = Reshape(x, [N, -1]); y2 = Reshape(x, [-1, 3, 4]) through the folded part;
  // y3 = Reshape(x, Shape(x)); y4 = Reshape(x, [Size(x)]).
  b.output(b.op("Reshape", {x, b.op("Concat", {batch->outputs[0], i64_const(b, "m1", {-1})}, ints_attr("axis", 0))}));
  b.output(b.op("Reshape", {x, b.op("Concat", {i64_const(b, "m2", {-1}), static_part->outputs[0]}, ints_attr("axis", 0))}));
  b.output(b.op("Reshape", {x, whole}));
  b.output(b.op("Reshape", {x, b.op("Unsqueeze", {size, i64_const(b, "ax", {0})})}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constants);
  const auto counts = test::op_counts(after->graph);
  EXPECT_EQ(counts.at("Shape"), 2);  // batch and whole stay
  EXPECT_EQ(counts.at("Size"), 1);
  EXPECT_EQ(counts.at("Concat"), 1);  // the one fed by the batch dim
  EXPECT_EQ(counts.at("Unsqueeze"), 1);
  for (const auto& n : after->graph.nodes())
    if (n->op_type == "Shape") {
      EXPECT_NE(n->attrs.get_int("start", 0), 1) << "Shape(x, start=1) should be folded";
    }
  for (int64_t n : {1, 2, 5}) {
    Tensor in(DType::kF32, Shape{n, 3, 4});
    for (int64_t i = 0; i < in.numel(); ++i) in.as<float>()[i] = static_cast<float>(i % 7) - 3;
    Session sa(clone_model(*before)), sb(clone_model(*after));
    const auto ya = sa.run({{"x", in.view()}}), yb = sb.run({{"x", in.view()}});
    ASSERT_EQ(ya.size(), 4u);
    ASSERT_EQ(yb.size(), 4u);
    EXPECT_EQ(yb[0].shape(), (Shape{n, 12}));
    EXPECT_EQ(yb[1].shape(), (Shape{n, 3, 4}));
    EXPECT_EQ(yb[3].shape(), (Shape{n * 12}));
    for (size_t o = 0; o < 4; ++o) {
      EXPECT_EQ(ya[o].shape(), yb[o].shape()) << "output " << o << " N=" << n;
      for (int64_t i = 0; i < ya[o].numel() && ya[o].shape() == yb[o].shape(); ++i)
        EXPECT_EQ(ya[o].as<float>()[i], yb[o].as<float>()[i]);
    }
  }
}

// ConstantOfShape from 16 bytes of shape: 64 KiB of output folds (the floor), 256 KiB does
// not; Tile of a 128 KiB constant (output = input bytes) folds, x2 does not.
TEST(FoldConstants, SizeCapKeepsLargeOutputsOutOfTheModel) {
  ModelBuilder b;
  Value* x = b.input("x", {64, 1024});
  Value* small = b.op("ConstantOfShape", {i64_const(b, "s_small", {16, 1024})});  // 64 KiB
  Value* big = b.op("ConstantOfShape", {i64_const(b, "s_big", {64, 1024})});      // 256 KiB
  Value* w = b.random_constant("w", {32, 1024});                                  // 128 KiB
  Value* same = b.op("Tile", {w, i64_const(b, "r1", {1, 1})});
  Value* twice = b.op("Tile", {w, i64_const(b, "r2", {2, 1})});
  Value* y = b.op("Add", {x, big});
  y = b.op("Add", {y, twice});
  y = b.op("Add", {y, b.op("Tile", {small, i64_const(b, "r4", {4, 1})})});  // 256 KiB from 64 KiB: kept
  b.output(b.op("Add", {y, b.op("Tile", {same, i64_const(b, "r3", {2, 1})})}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constants);
  const Graph& g = after->graph;
  EXPECT_TRUE(g.find_value(small->name)->is_constant());
  EXPECT_TRUE(g.find_value(same->name)->is_constant());
  EXPECT_FALSE(g.find_value(big->name)->is_constant());
  EXPECT_FALSE(g.find_value(twice->name)->is_constant());
  EXPECT_EQ(test::op_counts(g), (std::map<std::string, int>{{"Add", 4}, {"ConstantOfShape", 1}, {"Tile", 3}}));
  test::expect_same_outputs(*before, *after);
}

TEST(FoldConstants, LeavesNondeterministicOpsAlone) {
  ModelBuilder b;
  b.model()->graph.opset_imports["test.fold"] = 1;
  Value* x = b.input("x", {2, 3});
  Node* noisy = b.node("NoisyLike", {b.random_constant("c", {2, 3})});
  noisy->domain = "test.fold";
  b.output(b.op("Add", {x, noisy->outputs[0]}));
  const int calls = g_noise_calls;
  bool changed = true;
  auto after = test::apply_pass(*b.model(), passes::fold_constants, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(g_noise_calls, calls);  // not even evaluated
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}, {"NoisyLike", 1}}));
}

// A graph output computed from constants only: folded, still listed under its name, and
// the model still runs.
TEST(FoldConstants, GraphOutputsKeepTheirNames) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* k = b.op("Mul", {b.random_constant("a", {2, 3}), b.random_constant("c", {2, 3})});
  b.output(b.op("Add", {x, k}));
  b.output(k);
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constants);
  const Graph& g = after->graph;
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[1]->name, k->name);
  EXPECT_TRUE(g.outputs[1]->is_constant());
  const Tensor& a = *before->graph.find_value("a")->constant;
  const Tensor& c = *before->graph.find_value("c")->constant;
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(g.outputs[1]->constant->as<float>()[i], a.as<float>()[i] * c.as<float>()[i]);
  EXPECT_EQ(test::op_counts(g), (std::map<std::string, int>{{"Add", 1}}));
  test::expect_same_outputs(*before, *after);
}

// DQ(int8 constant) and Cast(f16 constant) are how models store compact weights: kept.
TEST(FoldConstants, KeepsCompactWeightsCompact) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 4});
  Value* wq = b.constant("wq", Tensor::from<int8_t>({4, 3}, {1, -2, 3, 4, -5, 6, 7, -8, 9, 10, -11, 12}));
  Value* w = b.op("DequantizeLinear", {wq, b.constant("scale", Tensor::from<float>({}, {0.5f}))});
  Tensor h(DType::kF16, Shape{3});  // zero-filled f16 "weights", read through Cast
  Value* half = b.op("Cast", {b.constant("h", std::move(h))}, ints_attr("to", 1));
  Value* scaled = b.op("Mul", {b.constant("k", Tensor::from<float>({}, {2.0f})), b.constant("k2", Tensor::from<float>({}, {3.0f}))});
  b.output(b.op("Add", {b.op("Mul", {b.op("MatMul", {x, w}), scaled}), half}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constants);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{
                                               {"Add", 1}, {"Cast", 1}, {"DequantizeLinear", 1}, {"MatMul", 1}, {"Mul", 1}}));
  // (the scalar Mul of two constants folded)
  test::expect_same_outputs(*before, *after);
}

// NonZero's output size is known only after running: it folds, checked against the cap then.
TEST(FoldConstants, FoldsADataDependentOutput) {
  ModelBuilder b;
  Value* x = b.input("x", {4});
  Value* c = b.constant("c", Tensor::from<float>({4}, {0, 1.5f, 0, -2}));
  Value* nz = b.op("NonZero", {c});
  b.output(b.op("Add", {x, c}));
  b.output(nz);
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constants);
  const Value* folded = after->graph.outputs[1];
  ASSERT_TRUE(folded->is_constant());
  EXPECT_EQ(folded->constant->shape(), (Shape{1, 2}));
  EXPECT_EQ(ints_of(folded), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}}));
  expect_identical_outputs(*before, *after, Shape{4});
}

// If with a constant condition: control flow with subgraphs is left to the runtime.
TEST(FoldConstants, LeavesControlFlowAlone) {
  ModelBuilder b;
  Value* x = b.input("x", {3});
  auto branch = [](float v) {
    auto g = std::make_shared<Graph>();
    Value* k = g->add_constant("k", Tensor::from<float>({3}, {v, v, v}));
    Value* out = g->add_value("out");
    g->add_node("Identity", "pass", {k}, {out});
    g->outputs = {out};
    Attribute a;
    a.kind = Attribute::Kind::kGraph;
    a.g = std::move(g);
    return a;
  };
  Tensor yes(DType::kBool, Shape{});
  yes.as<bool>()[0] = true;
  Node* choose = b.node("If", {b.constant("c", std::move(yes))});
  choose->attrs.set("then_branch", branch(1.0f));
  choose->attrs.set("else_branch", branch(2.0f));
  b.output(b.op("Add", {x, choose->outputs[0]}));
  auto before = b.model();
  bool changed = true;
  auto after = test::apply_pass(*before, passes::fold_constants, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}, {"If", 1}}));
  test::expect_same_outputs(*before, *after);
}

// An invalid node is left for prepare to report, not thrown from the optimizer.
TEST(FoldConstants, LeavesAnInvalidNodeForPrepare) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* bad = b.op("Reshape", {b.random_constant("a", {2, 3}), i64_const(b, "s", {4, 4})});
  b.output(b.op("Add", {x, bad}));
  bool changed = true;
  auto after = test::apply_pass(*b.model(), passes::fold_constants, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after->graph.nodes().size(), 2u);
}

}  // namespace
}  // namespace wisp
