#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

TEST(CollapseReshapes, ReshapeOfReshapeReadsTheOriginal) {
  ModelBuilder b;
  Value* r1 = b.op("Reshape", {b.input("x", {2, 3, 4}), b.constant("s1", Tensor::from<int64_t>({2}, {6, 4}))});
  b.output(b.op("Reshape", {r1, b.constant("s2", Tensor::from<int64_t>({3}, {4, -1, 2}))}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::collapse_reshapes);
  passes::eliminate_dead_nodes(after->graph);
  ASSERT_EQ(after->graph.nodes().size(), 1u);
  EXPECT_EQ(after->graph.nodes()[0]->inputs[0]->name, "x");
  test::expect_same_outputs(*before, *after);
}

TEST(CollapseReshapes, NotWhenTheOuterShapeCopiesADimWithZero) {
  ModelBuilder b;
  Value* r1 = b.op("Reshape", {b.input("x", {2, 3, 4}), b.constant("s1", Tensor::from<int64_t>({2}, {6, 4}))});
  b.output(b.op("Reshape", {r1, b.constant("s2", Tensor::from<int64_t>({2}, {0, -1}))}));
  bool changed = true;
  test::apply_pass(*b.model(), passes::collapse_reshapes, &changed);
  EXPECT_FALSE(changed);
}

}  // namespace
}  // namespace wisp
