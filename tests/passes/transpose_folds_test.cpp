// fold_constant_transpose, fold_transpose_into_gemm, cancel_transposes_around_elementwise.
#include "passes/pass_manager.hpp"
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

TEST(FoldConstantTranspose, ConstantIsPermutedInPlaceOfTheNode) {
  ModelBuilder b;
  Value* w = b.random_constant("w", {2, 3, 4});
  b.output(b.op("Add", {b.input("x", {4, 2, 3}), b.op("Transpose", {w}, perm({2, 0, 1}))}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constant_transpose);
  ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}}));
  const Tensor* t = after->graph.nodes()[0]->inputs[1]->constant.get();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape(), (Shape{4, 2, 3}));
  // out[k][i][j] = w[i][j][k]
  const float* src = w->constant->as<float>();
  EXPECT_EQ(t->as<float>()[1 * 6 + 1 * 3 + 2], src[1 * 12 + 2 * 4 + 1]);
  test::expect_same_outputs(*before, *after);
}

TEST(FoldConstantTranspose, DefaultPermReversesAxes) {
  ModelBuilder b;
  Value* w = b.random_constant("w", {3, 5});
  b.output(b.op("MatMul", {b.input("x", {2, 5}), b.op("Transpose", {w})}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fold_constant_transpose);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"MatMul", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(FoldTransposeIntoGemm, MatMulWithATransposedOperandBecomesGemm) {
  for (int side = 0; side < 2; ++side) {
    ModelBuilder b;
    Value* a = b.input("a", {5, 3});
    Value* c = b.input("c", {4, 5});
    // side 0: MatMul(a^T [3, 5], m [5, 4]); side 1: MatMul(m [3, 5], c^T [5, 4]).
    Value* y = side == 0 ? b.op("MatMul", {b.op("Transpose", {a}, perm({1, 0})), b.input("m", {5, 4})})
                         : b.op("MatMul", {b.input("m", {3, 5}), b.op("Transpose", {c}, perm({1, 0}))});
    b.output(y);
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fold_transpose_into_gemm);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
    const Node& g = *after->graph.nodes()[0];
    EXPECT_EQ(g.attrs.get_int("transA", 0), side == 0 ? 1 : 0);
    EXPECT_EQ(g.attrs.get_int("transB", 0), side == 1 ? 1 : 0);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FoldTransposeIntoGemm, GemmFlagTogglesAndSharedOrBatchedTransposesStay) {
  {
    ModelBuilder b;
    Attributes at;
    at.set_int("transB", 1);
    Value* bt = b.op("Transpose", {b.input("bm", {6, 4})}, perm({1, 0}));  // [4, 6]; transB reads it as [6, 4]
    b.output(b.op("Gemm", {b.input("a", {3, 6}), bt, b.random_constant("bias", {4})}, at));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fold_transpose_into_gemm);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
    EXPECT_EQ(after->graph.nodes()[0]->attrs.get_int("transB", 1), 0);
    test::expect_same_outputs(*before, *after);
  }
  {
    ModelBuilder b;
    Value* t = b.op("Transpose", {b.input("k", {2, 4, 5})}, perm({0, 2, 1}));  // batched: stays
    b.output(b.op("MatMul", {b.input("q", {2, 3, 5}), t}));
    Value* t2 = b.op("Transpose", {b.input("k2", {4, 5})}, perm({1, 0}));  // read twice: stays
    b.output(b.op("MatMul", {b.input("q2", {3, 4}), t2}));
    b.output(t2);
    bool changed = true;
    test::apply_pass(*b.model(), passes::fold_transpose_into_gemm, &changed);
    EXPECT_FALSE(changed);
  }
}

TEST(CancelTransposesAroundElementwise, LayoutRoundTripAroundReluAndAddGoes) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 4, 5});
  Value* y = b.input("y", {1, 3, 4, 5});
  Value* xt = b.op("Transpose", {x}, perm({0, 2, 3, 1}));
  Value* yt = b.op("Transpose", {y}, perm({0, 2, 3, 1}));
  Value* s = b.op("Add", {b.op("Relu", {xt}), yt});
  Value* back = b.op("Transpose", {b.op("Mul", {s, b.random_constant("k", {1})})}, perm({0, 3, 1, 2}));
  b.output(back);
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::cancel_transposes_around_elementwise);
  // The Transpose sinks through Relu, Add (taking y's along) and Mul, then meets its inverse.
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 1}, {"Mul", 1}, {"Relu", 1}}));
  EXPECT_EQ(after->graph.outputs[0]->name, before->graph.outputs[0]->name);
  test::expect_same_outputs(*before, *after);
}

TEST(CancelTransposesAroundElementwise, NotWhenTheChainEndsElsewhere) {
  ModelBuilder b;
  Value* xt = b.op("Transpose", {b.input("x", {1, 3, 4, 5})}, perm({0, 2, 3, 1}));
  b.output(b.op("Relu", {xt}));  // no inverse Transpose below: nothing to gain by moving it
  bool changed = true;
  test::apply_pass(*b.model(), passes::cancel_transposes_around_elementwise, &changed);
  EXPECT_FALSE(changed);
}

TEST(CancelTransposesAroundElementwise, NotWhenThePermutationsDoNotCancel) {
  ModelBuilder b;
  Value* xt = b.op("Transpose", {b.input("x", {2, 3, 4})}, perm({1, 2, 0}));
  b.output(b.op("Transpose", {b.op("Relu", {xt})}, perm({1, 2, 0})));  // q o p is not the identity
  bool changed = true;
  test::apply_pass(*b.model(), passes::cancel_transposes_around_elementwise, &changed);
  EXPECT_FALSE(changed);
}

TEST(CancelTransposesAroundElementwise, InvalidPermutationsAreLeftAlone) {
  // Not yet validated (prepare does that): a repeated or out-of-range axis must not be used.
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{0, 0, 1}, std::vector<int64_t>{0, 3, 1}}) {
    ModelBuilder b;
    Value* xt = b.op("Transpose", {b.input("x", {2, 3, 4})}, perm(bad));
    b.output(b.op("Transpose", {b.op("Add", {xt, b.random_constant("c", {3, 1})})}, perm({0, 2, 1})));
    bool changed = true;
    test::apply_pass(*b.model(), passes::cancel_transposes_around_elementwise, &changed);
    EXPECT_FALSE(changed);
  }
}

TEST(CancelTransposesAroundElementwise, BroadcastConstantsArePermutedAlong) {
  // A [2] row bias under Transpose(1, 0) of [2, 3] becomes a [2, 1] column; a per-channel
  // [3, 1, 1] constant under NHWC -> NCHW becomes [1, 1, 1, 3].
  ModelBuilder b;
  Value* zt = b.op("Transpose", {b.input("z", {2, 3})}, perm({1, 0}));
  b.output(b.op("Transpose", {b.op("Add", {zt, b.random_constant("row", {2})})}, perm({1, 0})));
  Value* xt = b.op("Transpose", {b.input("x", {1, 4, 5, 3})}, perm({0, 3, 1, 2}));
  Value* scaled = b.op("Mul", {b.random_constant("scale", {3, 1, 1}), xt});
  b.output(b.op("Transpose", {b.op("Add", {scaled, b.random_constant("bias", {1, 3, 1, 1})})}, perm({0, 2, 3, 1})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::cancel_transposes_around_elementwise);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Add", 2}, {"Mul", 1}}));
  for (const auto& n : after->graph.nodes())
    if (n->op_type == "Mul") {
      EXPECT_EQ(n->inputs[0]->constant->shape(), (Shape{1, 1, 1, 3}));
    }
  test::expect_same_outputs(*before, *after);
}

TEST(CancelTransposesAroundElementwise, SharedTransposeStaysForItsOtherReader) {
  // xt is read by Relu and is a graph output: Relu still moves (its output's inverse
  // Transpose cancels), xt stays for the output.
  ModelBuilder b;
  Value* xt = b.op("Transpose", {b.input("x", {1, 3, 4, 5})}, perm({0, 2, 3, 1}));
  b.output(xt);
  b.output(b.op("Transpose", {b.op("Relu", {xt})}, perm({0, 3, 1, 2})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::cancel_transposes_around_elementwise);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Relu", 1}, {"Transpose", 1}}));
  test::expect_same_outputs(*before, *after);
}

TEST(CancelTransposesAroundElementwise, ConcatAxisIsRemapped) {
  ModelBuilder b;
  Value* at = b.op("Transpose", {b.input("a", {1, 4, 5, 2})}, perm({0, 3, 1, 2}));
  Value* bt = b.op("Transpose", {b.input("b", {1, 4, 5, 3})}, perm({0, 3, 1, 2}));
  Attributes axis;
  axis.set_int("axis", 1);
  b.output(b.op("Transpose", {b.op("Concat", {at, bt}, axis)}, perm({0, 2, 3, 1})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::cancel_transposes_around_elementwise);
  ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Concat", 1}}));
  EXPECT_EQ(after->graph.nodes()[0]->attrs.get_int("axis", 0), 3);
  test::expect_same_outputs(*before, *after);
}

TEST(CancelTransposesAroundElementwise, ReduceOverSpatialAxesNeedsNoTransposeAfter) {
  // mean over H, W of NHWC data seen through Transpose(0, 3, 1, 2): keepdims=0 leaves [N, C]
  // either way, so the Transpose goes; keepdims=1 moves it below the ReduceMean.
  for (int keep = 0; keep < 2; ++keep) {
    ModelBuilder b;
    Value* xt = b.op("Transpose", {b.input("x", {2, 4, 5, 3})}, perm({0, 3, 1, 2}));
    Attributes at;
    at.set_int("keepdims", keep);
    Value* m = b.op("ReduceMean", {xt, b.constant("axes", Tensor::from<int64_t>({2}, {2, -1}))}, at);
    b.output(keep ? b.op("Transpose", {m}, perm({0, 2, 3, 1})) : m);
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::cancel_transposes_around_elementwise);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"ReduceMean", 1}})) << keep;
    const Tensor* axes = after->graph.nodes()[0]->inputs[1]->constant.get();
    EXPECT_EQ(std::vector<int64_t>(axes->as<int64_t>(), axes->as<int64_t>() + 2), (std::vector<int64_t>{1, 2}));
    test::expect_same_outputs(*before, *after);
  }
}

}  // namespace
}  // namespace wisp
