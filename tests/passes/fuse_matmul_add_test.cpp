#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

TEST(FuseMatmulAdd, BecomesGemmWithBiasEitherSideOfTheAdd) {
  for (bool bias_first : {false, true})
    for (bool row_bias : {false, true}) {
      ModelBuilder b;
      Value* mm = b.op("MatMul", {b.input("x", {3, 6}), b.random_constant("w", {6, 4})});
      Value* c = b.random_constant("c", row_bias ? Shape{1, 4} : Shape{4});
      b.output(b.op("Add", bias_first ? std::vector<Value*>{c, mm} : std::vector<Value*>{mm, c}));
      auto before = b.model();
      auto after = test::apply_pass(*before, passes::fuse_matmul_add);
      EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
      test::expect_same_outputs(*before, *after);
    }
}

TEST(FuseMatmulAdd, ThenReluFusesIntoTheGemm) {
  ModelBuilder b;
  Value* mm = b.op("MatMul", {b.input("x", {2, 6}), b.random_constant("w", {6, 4})});
  b.output(b.op("Relu", {b.op("Add", {mm, b.random_constant("c", {4})})}));
  auto before = b.model();
  auto after = optimize_model(*before);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(FuseMatmulAdd, NotForBatchedMatMulOrAFullBias) {
  ModelBuilder b;
  Value* mm = b.op("MatMul", {b.input("x", {2, 3, 6}), b.random_constant("w", {6, 4})});
  b.output(b.op("Add", {mm, b.random_constant("c", {4})}));
  Value* mm2 = b.op("MatMul", {b.input("x2", {3, 6}), b.random_constant("w2", {6, 4})});
  b.output(b.op("Add", {mm2, b.random_constant("c2", {3, 4})}));  // per-element bias: Gemm C could take it, but not needed
  bool changed = true;
  test::apply_pass(*b.model(), passes::fuse_matmul_add, &changed);
  EXPECT_FALSE(changed);
}

}  // namespace
}  // namespace wisp
