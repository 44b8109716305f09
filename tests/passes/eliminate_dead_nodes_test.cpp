#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

TEST(EliminateDeadNodes, RemovesUnreadChainsAndTheirWeightsKeepsOutputs) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* y = b.op("Relu", {x});
  Value* w = b.random_constant("dead_w", {2, 3});
  Value* dead1 = b.op("Add", {x, w});
  b.op("Sigmoid", {dead1});  // reads the dead Add; nobody reads it
  b.output(y);
  auto before = b.model();
  bool changed = false;
  auto after = test::apply_pass(*before, passes::eliminate_dead_nodes, &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Relu", 1}}));
  EXPECT_EQ(after->graph.find_value("dead_w"), nullptr) << "the dead node's weight stays";
  test::expect_same_outputs(*before, *after);
  EXPECT_FALSE(passes::eliminate_dead_nodes(after->graph)) << "a second run must find nothing";
}

TEST(EliminateDeadNodes, KeepsANodeWithOneOutputRead) {
  ModelBuilder b;
  Value* x = b.input("x", {4});
  Node* split = b.node("Split", {x, b.constant("parts", Tensor::from<int64_t>({2}, {2, 2}))}, {}, 2);
  b.output(b.op("Neg", {split->outputs[1]}));
  auto after = test::apply_pass(*b.model(), passes::eliminate_dead_nodes);
  EXPECT_EQ(after->graph.nodes().size(), 2u);
}

}  // namespace
}  // namespace wisp
