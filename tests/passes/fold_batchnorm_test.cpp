#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

// BatchNormalization over `c` channels with random statistics (variance in [0.5, 2)).
Value* batchnorm(ModelBuilder& b, Value* x, int64_t c) {
  Attributes at;
  at.set_float("epsilon", 1e-3f);
  return b.op("BatchNormalization", {x, b.random_constant("scale", {c}), b.random_constant("bias", {c}),
                                     b.random_constant("mean", {c}), b.random_constant("var", {c}, 0.5f, 2.0f)},
              at);
}

TEST(FoldBatchnorm, IntoConvWithAndWithoutBias) {
  for (bool with_bias : {false, true}) {
    ModelBuilder b;
    Value* x = b.input("x", {1, 4, 6, 6});
    std::vector<Value*> in{x, b.random_constant("w", {6, 2, 3, 3})};
    if (with_bias) in.push_back(b.random_constant("b", {6}));
    Attributes at;
    at.set_int("group", 2);
    b.output(batchnorm(b, b.op("Conv", in, at), 6));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fold_batchnorm);
    EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Conv", 1}})) << with_bias;
    EXPECT_EQ(after->graph.outputs[0]->name, before->graph.outputs[0]->name);
    EXPECT_EQ(after->graph.find_value("w"), nullptr) << "the unfolded weights stay behind";
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FoldBatchnorm, IntoGemmWithTransposedWeightsAndBeta) {
  ModelBuilder b;
  Value* x = b.input("x", {3, 5});
  Attributes at;
  at.set_int("transB", 1);
  at.set_float("beta", 0.5f);
  at.set_float("alpha", 2.0f);
  b.output(batchnorm(b, b.op("Gemm", {x, b.random_constant("w", {4, 5}), b.random_constant("c", {4})}, at), 4));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_batchnorm);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(FoldBatchnorm, NotWhenTheConvOutputHasAnotherReader) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 2, 4, 4}), b.random_constant("w", {3, 2, 1, 1})});
  b.output(batchnorm(b, conv, 3));
  b.output(conv);
  bool changed = true;
  test::apply_pass(*b.model(), passes::fold_batchnorm, &changed);
  EXPECT_FALSE(changed);
}

TEST(FoldBatchnorm, NotWhenTheWeightsAreAnInput) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 2, 4, 4}), b.input("w", {3, 2, 1, 1})});
  b.output(batchnorm(b, conv, 3));
  bool changed = true;
  test::apply_pass(*b.model(), passes::fold_batchnorm, &changed);
  EXPECT_FALSE(changed);
}

}  // namespace
}  // namespace wisp
