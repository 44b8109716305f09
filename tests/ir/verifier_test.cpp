#include "ir/verifier.hpp"

#include <gtest/gtest.h>

#include "ir/dump.hpp"

namespace wisp {
namespace {

// x -> Identity -> y -> Identity -> z
std::unique_ptr<Graph> chain() {
  auto g = std::make_unique<Graph>();
  g->opset_imports[""] = 13;
  Value* x = g->add_value("x");
  x->dtype = DType::kF32;
  x->shape = SymShape{SymDim{-1, "batch"}, SymDim{4, ""}};
  g->inputs.push_back(x);
  Value* y = g->add_value("y");
  Value* z = g->add_value("z");
  g->add_node("Identity", "first", {x}, {y});
  g->add_node("Identity", "second", {y}, {z});
  g->outputs.push_back(z);
  return g;
}

std::string error_of(const Graph& g) {
  try {
    verify_graph(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Verifier, AcceptsAValidGraph) { EXPECT_EQ(error_of(*chain()), ""); }

TEST(Verifier, RejectsUseBeforeDefinition) {
  auto g = std::make_unique<Graph>();
  Value* x = g->add_value("x");
  g->inputs.push_back(x);
  Value* y = g->add_value("y");
  Value* z = g->add_value("z");
  g->add_node("Identity", "second", {y}, {z});  // y is produced only by the next node
  g->add_node("Identity", "first", {x}, {y});
  g->outputs.push_back(z);
  EXPECT_NE(error_of(*g).find("Identity 'second': input 'y' is not defined before this node"), std::string::npos)
      << error_of(*g);
  g->sort_topologically();
  EXPECT_EQ(error_of(*g), "");
}

TEST(Verifier, RejectsArityAndUnknownOps) {
  auto g = chain();
  Value* w = g->add_value("w");
  g->add_node("Identity", "bad", {g->find_value("x"), g->find_value("x")}, {w});
  EXPECT_NE(error_of(*g).find("Identity 'bad' has 2 inputs; the op takes 1 to 1"), std::string::npos) << error_of(*g);
  auto h = chain();
  h->add_node("NoSuchOp", "mystery", {h->find_value("x")}, {h->add_value("q")});
  EXPECT_NE(error_of(*h).find("NoSuchOp is not supported"), std::string::npos) << error_of(*h);
}

TEST(Verifier, RejectsUndefinedOutputAndDuplicateNames) {
  auto g = chain();
  g->outputs.push_back(g->add_value("nowhere"));
  EXPECT_NE(error_of(*g).find("graph output 'nowhere' is never produced"), std::string::npos);
  auto h = chain();
  h->add_node("Identity", "first", {h->find_value("z")}, {h->add_value("zz")});
  EXPECT_NE(error_of(*h).find("two nodes are named 'first'"), std::string::npos);
}

TEST(Dump, ShowsTypesSymbolsAndAttributes) {
  auto g = chain();
  g->add_constant("w", Tensor::from<float>({2}, {1, 2}));
  const_cast<Node*>(g->nodes()[0].get())->attrs.set_ints("perm", {1, 0});
  const std::string text = dump_graph(*g);
  EXPECT_NE(text.find("graph main (ai.onnx opset 13)"), std::string::npos) << text;
  EXPECT_NE(text.find("input  x: f32[batch,4]"), std::string::npos) << text;
  EXPECT_NE(text.find("const  w: f32[2]"), std::string::npos) << text;
  EXPECT_NE(text.find("= Identity 'first'(x) {perm=[1,0]}"), std::string::npos) << text;
  EXPECT_NE(text.find("output z"), std::string::npos) << text;
}

}  // namespace
}  // namespace wisp
