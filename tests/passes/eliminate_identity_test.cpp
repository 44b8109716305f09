#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

TEST(EliminateIdentity, RewiresReadersOfIdentityAndDropout) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* w = b.op("Identity", {b.random_constant("w", {2, 3})});  // PyTorch's shared-weight pattern
  Value* a = b.op("Add", {x, w});
  Value* d = b.op("Dropout", {a});
  b.output(b.op("Relu", {d}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::eliminate_identity);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}, {"Relu", 1}}));
  EXPECT_EQ(after->graph.nodes()[0]->inputs[1]->name, "w");
  test::expect_same_outputs(*before, *after);
}

TEST(EliminateIdentity, GraphOutputKeepsItsNameWhenTheProducerIsRenamed) {
  ModelBuilder b;
  Value* x = b.input("x", {5});
  Value* r = b.op("Relu", {x});
  Value* out = b.op("Identity", {r});
  b.output(out);
  b.output(b.op("Neg", {r}));  // another reader of the renamed value
  const std::string out_name = out->name;
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::eliminate_identity);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Neg", 1}, {"Relu", 1}}));
  EXPECT_EQ(after->graph.outputs[0]->name, out_name);
  EXPECT_EQ(after->graph.outputs[0]->producer->op_type, "Relu");
  test::expect_same_outputs(*before, *after);
}

TEST(EliminateIdentity, KeepsIdentityFromAGraphInputToAGraphOutput) {
  ModelBuilder b;
  b.output(b.op("Identity", {b.input("x", {3})}));
  bool changed = true;
  auto after = test::apply_pass(*b.model(), passes::eliminate_identity, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(after->graph.nodes().size(), 1u);
}

TEST(EliminateIdentity, KeepsDropoutWhoseMaskIsRead) {
  ModelBuilder b;
  Node* d = b.node("Dropout", {b.input("x", {3})}, {}, 2);
  b.output(d->outputs[0]);
  b.output(d->outputs[1]);
  bool changed = true;
  test::apply_pass(*b.model(), passes::eliminate_identity, &changed);
  EXPECT_FALSE(changed);
}

}  // namespace
}  // namespace wisp
