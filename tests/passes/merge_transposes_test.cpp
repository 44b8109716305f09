#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Attributes perm(std::vector<int64_t> p) {
  Attributes a;
  a.set_ints("perm", std::move(p));
  return a;
}

TEST(MergeTransposes, ComposesTwoPermutations) {
  ModelBuilder b;
  Value* t1 = b.op("Transpose", {b.input("x", {2, 3, 4})}, perm({1, 2, 0}));
  b.output(b.op("Transpose", {t1}, perm({0, 2, 1})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::merge_transposes);
  passes::eliminate_dead_nodes(after->graph);
  ASSERT_EQ(after->graph.nodes().size(), 1u);
  // p1 = {1,2,0}, p2 = {0,2,1}: q[i] = p1[p2[i]] = {1, 0, 2}.
  EXPECT_EQ(after->graph.nodes()[0]->attrs.get_ints("perm"), (std::vector<int64_t>{1, 0, 2}));
  test::expect_same_outputs(*before, *after);
}

TEST(MergeTransposes, InversePairsCancel) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3, 4, 5});
  Value* t1 = b.op("Transpose", {x}, perm({0, 2, 3, 1}));
  Value* t2 = b.op("Transpose", {t1}, perm({0, 3, 1, 2}));
  b.output(b.op("Relu", {t2}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::merge_transposes);
  passes::eliminate_dead_nodes(after->graph);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Relu", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(MergeTransposes, CancellingPairAtAGraphOutputKeepsTheName) {
  ModelBuilder b;
  Value* t1 = b.op("Transpose", {b.input("x", {2, 3})}, perm({1, 0}));
  b.output(b.op("Transpose", {t1}, perm({1, 0})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::merge_transposes);
  passes::eliminate_dead_nodes(after->graph);
  ASSERT_EQ(after->graph.nodes().size(), 1u);
  EXPECT_EQ(after->graph.outputs[0]->name, before->graph.outputs[0]->name);
  test::expect_same_outputs(*before, *after);
}

}  // namespace
}  // namespace wisp
