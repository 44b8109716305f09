// If, Loop and Scan built directly in IR, with results worked out by hand; outer-scope
// reads (constant and runtime), nested subgraphs, session reuse and malformed nodes.
#include <gtest/gtest.h>

#include "core/status.hpp"
#include "ir/graph.hpp"
#include "ir/implicit_inputs.hpp"
#include "ir/verifier.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::tensors_near;

constexpr int kOpset = 17;

std::shared_ptr<Graph> new_subgraph(const std::string& name) {
  auto g = std::make_shared<Graph>();
  g->name = name;
  g->opset_imports[""] = kOpset;
  return g;
}

Value* add_input(Graph& g, const std::string& name, DType dtype) {
  Value* v = g.add_value(name);
  v->dtype = dtype;
  g.inputs.push_back(v);
  return v;
}

// A placeholder for a value read from an enclosing graph.
Value* add_outer_ref(Graph& g, const std::string& name) {
  Value* v = g.add_value(name);
  g.outer_refs.push_back(name);
  return v;
}

Attribute graph_attr(std::shared_ptr<Graph> g) {
  Attribute a;
  a.kind = Attribute::Kind::kGraph;
  a.g = std::move(g);
  return a;
}

Tensor i64_scalar(int64_t v) {
  Tensor t(DType::kI64, Shape{});
  t.as<int64_t>()[0] = v;
  return t;
}
Tensor bool_scalar(bool v) {
  Tensor t(DType::kBool, Shape{});
  t.as<bool>()[0] = v;
  return t;
}

// Loop summing step*(i+1) for i < n: the body reads `one` (a constant of the main graph,
// fixed in the body) and `step` (a main-graph input, bound every run) from outside.
struct SumLoop {
  std::shared_ptr<Model> model = std::make_shared<Model>();
  SumLoop() {
    Graph& g = model->graph;
    g.opset_imports[""] = kOpset;
    Value* n = add_input(g, "n", DType::kI64);
    add_input(g, "step", DType::kI64);
    g.add_constant("one", i64_scalar(1));
    Value* zero = g.add_constant("zero", i64_scalar(0));
    auto body = new_subgraph("body");
    Value* i = add_input(*body, "i", DType::kI64);
    Value* c = add_input(*body, "c", DType::kBool);
    Value* s = add_input(*body, "s", DType::kI64);
    Value* one = add_outer_ref(*body, "one");
    Value* step = add_outer_ref(*body, "step");
    Value* c_out = body->add_value("c_out");
    Value* t = body->add_value("t");
    Value* u = body->add_value("u");
    Value* s_out = body->add_value("s_out");
    Value* y = body->add_value("y");
    body->add_node("Identity", "keep_going", {c}, {c_out});
    body->add_node("Add", "i_plus_1", {i, one}, {t});
    body->add_node("Mul", "times_step", {t, step}, {u});
    body->add_node("Add", "accumulate", {s, u}, {s_out});
    body->add_node("Identity", "record", {s_out}, {y});
    body->outputs = {c_out, s_out, y};
    Value* sum = g.add_value("sum");
    Value* partial = g.add_value("partial");
    Node* loop = g.add_node("Loop", "sum_loop", {n, nullptr, zero}, {sum, partial});
    loop->attrs.set("body", graph_attr(body));
    append_implicit_inputs(g, *loop);
    g.outputs = {sum, partial};
  }
};

TEST(ControlFlowLoop, SumsWithOuterValuesAndScanOutput) {
  SumLoop m;
  ASSERT_EQ(m.model->graph.nodes()[0]->inputs.size(), 5u);  // M, cond, s0 + one, step
  EXPECT_NO_THROW(verify_graph(m.model->graph));
  Session session(m.model);
  Tensor n = i64_scalar(4), step = i64_scalar(2);
  auto out = session.run({{"n", n.view()}, {"step", step.view()}});
  EXPECT_TRUE(tensors_near(out[0], i64_scalar(20)));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<int64_t>({4}, {2, 6, 12, 20})));
  // Reuse with new values (same shapes): no re-prepare, fresh results; zero trips too.
  Tensor n2 = i64_scalar(3), step2 = i64_scalar(10);
  out = session.run({{"n", n2.view()}, {"step", step2.view()}});
  EXPECT_TRUE(tensors_near(out[0], i64_scalar(60)));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<int64_t>({3}, {10, 30, 60})));
  Tensor n0 = i64_scalar(0);
  out = session.run({{"n", n0.view()}, {"step", step2.view()}});
  EXPECT_TRUE(tensors_near(out[0], i64_scalar(0)));
  EXPECT_EQ(out[1].shape(), Shape({0}));
}

// while (s < limit) s = s * 2, with no M: stops on the body's condition.
TEST(ControlFlowLoop, WhileLoopStopsOnCondition) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = kOpset;
  Value* s0 = add_input(g, "s0", DType::kF32);
  add_input(g, "limit", DType::kF32);
  Value* go = add_input(g, "go", DType::kBool);
  auto body = new_subgraph("body");
  add_input(*body, "i", DType::kI64);
  add_input(*body, "c", DType::kBool);
  Value* s = add_input(*body, "s", DType::kF32);
  Value* lim = add_outer_ref(*body, "limit");
  Value* two = body->add_constant("two", Tensor::from<float>({}, {2.0f}));
  Value* s_out = body->add_value("s_out");
  Value* c_out = body->add_value("c_out");
  body->add_node("Mul", "double", {s, two}, {s_out});
  body->add_node("Less", "below", {s_out, lim}, {c_out});
  body->outputs = {c_out, s_out};
  Value* final_s = g.add_value("final_s");
  Node* loop = g.add_node("Loop", "while_loop", {nullptr, go, s0}, {final_s});
  loop->attrs.set("body", graph_attr(body));
  append_implicit_inputs(g, *loop);
  g.outputs = {final_s};
  Session session(model);
  Tensor a = Tensor::from<float>({2}, {1.0f, 3.0f}), l = Tensor::from<float>({}, {100.0f});
  Tensor yes = bool_scalar(true), no = bool_scalar(false);
  // The condition reads element-wise Less of a 2-vector: it must have one element.
  EXPECT_THROW(session.run({{"s0", a.view()}, {"limit", l.view()}, {"go", yes.view()}}), Error);
  Tensor one = Tensor::from<float>({}, {1.0f});
  auto out = session.run({{"s0", one.view()}, {"limit", l.view()}, {"go", yes.view()}});
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({}, {128.0f})));
  out = session.run({{"s0", one.view()}, {"limit", l.view()}, {"go", no.view()}});  // never enters
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({}, {1.0f})));
}

// If picking a branch at run time; the branches give different shapes.
std::shared_ptr<Model> make_if_model(bool list_implicit_inputs) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = kOpset;
  Value* c = add_input(g, "c", DType::kBool);
  add_input(g, "x", DType::kF32);
  auto then_b = new_subgraph("then");
  Value* tx = add_outer_ref(*then_b, "x");
  Value* doubled = then_b->add_value("doubled");
  then_b->add_node("Add", "twice", {tx, tx}, {doubled});
  then_b->outputs = {doubled};
  auto else_b = new_subgraph("else");
  Value* ex = add_outer_ref(*else_b, "x");
  Value* joined = else_b->add_value("joined");
  Node* cat = else_b->add_node("Concat", "repeat", {ex, ex}, {joined});
  cat->attrs.set_int("axis", 0);
  else_b->outputs = {joined};
  Value* r = g.add_value("r");
  Node* n = g.add_node("If", "choose", {c}, {r});
  n->attrs.set("then_branch", graph_attr(then_b));
  n->attrs.set("else_branch", graph_attr(else_b));
  if (list_implicit_inputs) append_implicit_inputs(g, *n);
  g.outputs = {r};
  return model;
}

TEST(ControlFlowIf, ChoosesBranchAtRunTime) {
  Session session(make_if_model(true));
  Tensor x = Tensor::from<float>({3}, {1, 2, 3});
  Tensor yes = bool_scalar(true), no = bool_scalar(false);
  auto out = session.run({{"c", yes.view()}, {"x", x.view()}});
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({3}, {2, 4, 6})));
  out = session.run({{"c", no.view()}, {"x", x.view()}});
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({6}, {1, 2, 3, 1, 2, 3})));
}

TEST(ControlFlowIf, OuterReferenceNotListedIsAnErrorNamingTheNode) {
  Session session(make_if_model(false));
  Tensor x = Tensor::from<float>({3}, {1, 2, 3});
  Tensor yes = bool_scalar(true);
  try {
    session.run({{"c", yes.view()}, {"x", x.view()}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("If 'choose'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
}

TEST(ControlFlowIf, NonBoolConditionIsRejected) {
  auto model = make_if_model(true);
  model->graph.inputs[0]->dtype = DType::kF32;
  Session session(model);
  Tensor c = Tensor::from<float>({}, {1}), x = Tensor::from<float>({3}, {1, 2, 3});
  EXPECT_THROW(session.run({{"c", c.view()}, {"x", x.view()}}), Error);
}

// A Loop whose body holds an If that reads `k` from the main graph (two levels up) and `s`
// from the body: each level lists what it reads as implicit inputs.
TEST(ControlFlowNested, IfInsideLoopReadsOuterOuterValue) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = kOpset;
  Value* n = add_input(g, "n", DType::kI64);
  add_input(g, "k", DType::kF32);
  Value* s0 = g.add_constant("s0", Tensor::from<float>({}, {0.0f}));
  auto body = new_subgraph("body");
  Value* i = add_input(*body, "i", DType::kI64);
  Value* c = add_input(*body, "c", DType::kBool);
  add_input(*body, "s", DType::kF32);
  add_outer_ref(*body, "k");  // read by the If's branches: the body lists it too
  Value* two = body->add_constant("two", i64_scalar(2));
  Value* early = body->add_value("early");
  body->add_node("Less", "early", {i, two}, {early});
  auto then_b = new_subgraph("then"), else_b = new_subgraph("else");
  for (auto& [branch, op] : {std::pair{then_b, "Add"}, std::pair{else_b, "Sub"}}) {
    Value* bs = add_outer_ref(*branch, "s");
    Value* bk = add_outer_ref(*branch, "k");
    Value* r = branch->add_value("r");
    branch->add_node(op, "step", {bs, bk}, {r});
    branch->outputs = {r};
  }
  Value* s_out = body->add_value("s_out");
  Node* if_node = body->add_node("If", "up_or_down", {early}, {s_out});
  if_node->attrs.set("then_branch", graph_attr(then_b));
  if_node->attrs.set("else_branch", graph_attr(else_b));
  append_implicit_inputs(*body, *if_node);
  Value* c_out = body->add_value("c_out");
  Value* y = body->add_value("y");
  body->add_node("Identity", "cond", {c}, {c_out});
  body->add_node("Identity", "record", {s_out}, {y});
  body->outputs = {c_out, s_out, y};
  Value* final_s = g.add_value("final_s");
  Value* trace = g.add_value("trace");
  Node* loop = g.add_node("Loop", "outer", {n, nullptr, s0}, {final_s, trace});
  loop->attrs.set("body", graph_attr(body));
  append_implicit_inputs(g, *loop);
  g.outputs = {final_s, trace};

  Session session(model);
  Tensor trips = i64_scalar(4), k = Tensor::from<float>({}, {10.0f});
  auto out = session.run({{"n", trips.view()}, {"k", k.view()}});
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({}, {0.0f})));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<float>({4}, {10, 20, 10, 0})));
}

// Scan cumulative sum: state s, scan input x; options for axes and directions.
std::shared_ptr<Model> make_cumsum_scan(const Attributes& extra) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = kOpset;
  Value* init = add_input(g, "init", DType::kF32);
  Value* x = add_input(g, "x", DType::kF32);
  auto body = new_subgraph("body");
  Value* s = add_input(*body, "s", DType::kF32);
  Value* xi = add_input(*body, "xi", DType::kF32);
  Value* s_out = body->add_value("s_out");
  Value* y = body->add_value("y");
  body->add_node("Add", "acc", {s, xi}, {s_out});
  body->add_node("Identity", "record", {s_out}, {y});
  body->outputs = {s_out, y};
  Value* final_s = g.add_value("final_s");
  Value* ys = g.add_value("ys");
  Node* scan = g.add_node("Scan", "cumsum", {init, x}, {final_s, ys});
  scan->attrs = extra;
  scan->attrs.set("body", graph_attr(body));
  scan->attrs.set_int("num_scan_inputs", 1);
  append_implicit_inputs(g, *scan);
  g.outputs = {final_s, ys};
  return model;
}

TEST(ControlFlowScan, CumulativeSum) {
  Session session(make_cumsum_scan({}));
  Tensor init = Tensor::from<float>({2}, {0, 0}), x = Tensor::from<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  auto out = session.run({{"init", init.view()}, {"x", x.view()}});
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({2}, {9, 12})));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<float>({3, 2}, {1, 2, 4, 6, 9, 12})));
}

TEST(ControlFlowScan, AxesAndDirections) {
  // x is [2,3]: scan along axis 1, backwards; outputs stacked on axis 1, filled from the end.
  Attributes attrs;
  attrs.set_ints("scan_input_axes", {1});
  attrs.set_ints("scan_input_directions", {1});
  attrs.set_ints("scan_output_axes", {-1});
  attrs.set_ints("scan_output_directions", {1});
  Session session(make_cumsum_scan(attrs));
  Tensor init = Tensor::from<float>({2}, {0, 100}), x = Tensor::from<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto out = session.run({{"init", init.view()}, {"x", x.view()}});
  // Backwards over columns: sums 3,5,6 and 106,111,115; written from the last column.
  EXPECT_TRUE(tensors_near(out[0], Tensor::from<float>({2}, {6, 115})));
  EXPECT_TRUE(tensors_near(out[1], Tensor::from<float>({2, 3}, {6, 5, 3, 115, 111, 106})));
}

TEST(ControlFlowScan, BadAttributesNameTheNode) {
  Attributes attrs;
  attrs.set_ints("scan_input_directions", {2});
  Session session(make_cumsum_scan(attrs));
  Tensor init = Tensor::from<float>({2}, {0, 0}), x = Tensor::from<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  try {
    session.run({{"init", init.view()}, {"x", x.view()}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("Scan 'cumsum'"), std::string::npos) << e.what();
  }
}

TEST(ControlFlowLoop, BodyWithWrongInputCountIsRejected) {
  SumLoop m;
  // Drop the loop-carried value: the body still takes (i, c, s).
  Node& loop = *m.model->graph.nodes()[0];
  loop.inputs.erase(loop.inputs.begin() + 2);
  loop.attrs.set_int(kExplicitInputsAttr, 2);
  loop.outputs.erase(loop.outputs.begin());
  m.model->graph.outputs.erase(m.model->graph.outputs.begin());
  Session session(m.model);
  Tensor n = i64_scalar(4), step = i64_scalar(2);
  try {
    session.run({{"n", n.view()}, {"step", step.view()}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("Loop 'sum_loop'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wisp
