#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Value* scalar(ModelBuilder& b, const std::string& name, float v) {
  Tensor t(DType::kF32, Shape{1});
  t.as<float>()[0] = v;
  return b.constant(name, std::move(t));
}

TEST(FoldScaleIntoMatMul, ScaleBeforeOrAfterGoesIntoTheWeight) {
  for (int form = 0; form < 4; ++form) {  // 0: (x*c)W  1: (x/c)W  2: (xW)*c (c first)  3: (xW)/c
    SCOPED_TRACE(form);
    ModelBuilder b;
    Value* x = b.input("x", {2, 3, 8});
    Value* w = b.random_constant("w", {8, 5});
    Value* c = scalar(b, "c", 0.125f * (form + 1));
    Value* y = form == 0   ? b.op("MatMul", {b.op("Mul", {x, c}), w})
               : form == 1 ? b.op("MatMul", {b.op("Div", {x, c}), w})
               : form == 2 ? b.op("Mul", {c, b.op("MatMul", {x, w})})
                           : b.op("Div", {b.op("MatMul", {x, w}), c});
    b.output(y);
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fold_scale_into_matmul);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"MatMul", 1}}));
    const Node& mm = *after->graph.nodes()[0];
    EXPECT_EQ(mm.inputs[0]->name, "x");
    const float k = 0.125f * float(form + 1);
    const float w0 = w->constant->as<float>()[0];
    EXPECT_FLOAT_EQ(mm.inputs[1]->constant->as<float>()[0], (form == 1 || form == 3) ? w0 / k : w0 * k);
    EXPECT_EQ(after->graph.outputs[0]->name, before->graph.outputs[0]->name);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FoldScaleIntoMatMul, NotForASharedWeightOrADividend) {
  ModelBuilder b;
  Value* w = b.random_constant("w", {4, 4});
  Value* x = b.input("x", {3, 4});
  b.output(b.op("Mul", {b.op("MatMul", {x, w}), scalar(b, "c", 2)}));
  b.output(b.op("MatMul", {x, w}));  // w also read here
  Value* w2 = b.random_constant("w2", {4, 4});
  b.output(b.op("Div", {scalar(b, "c2", 2), b.op("MatMul", {x, w2})}));  // c / (xW) is not a scale
  bool changed = true;
  test::apply_pass(*b.model(), passes::fold_scale_into_matmul, &changed);
  EXPECT_FALSE(changed);
}

TEST(FoldScaleIntoMatMul, GemmTakesTheScaleAsAlphaAndBeta) {
  for (int form = 0; form < 3; ++form) {  // 0: Gemm(A*c, B, C)  1: Gemm(A, B/c, C)  2: Gemm(A, B, C) * c
    SCOPED_TRACE(form);
    ModelBuilder b;
    Attributes at;
    at.set_float("alpha", 0.5f);
    at.set_float("beta", 2.0f);
    Value* a = b.input("a", {3, 6});
    Value* w = b.input("w", {6, 4});  // not a constant: the scale still folds (no weight copy)
    Value* c = scalar(b, "c", 3.0f);
    Value* y = form == 0   ? b.op("Gemm", {b.op("Mul", {a, c}), w, b.random_constant("bias", {4})}, at)
               : form == 1 ? b.op("Gemm", {a, b.op("Div", {w, c}), b.random_constant("bias", {4})}, at)
                           : b.op("Mul", {b.op("Gemm", {a, w, b.random_constant("bias", {4})}, at), c});
    b.output(y);
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fold_scale_into_matmul);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gemm", 1}}));
    const Attributes& got = after->graph.nodes()[0]->attrs;
    EXPECT_FLOAT_EQ(got.get_float("alpha", 0), form == 1 ? 0.5f / 3.0f : 1.5f);
    EXPECT_FLOAT_EQ(got.get_float("beta", 0), form == 2 ? 6.0f : 2.0f);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FoldScaleIntoMatMul, NotAfterAFusedActivation) {
  ModelBuilder b;
  Attributes at;
  at.set_string("wisp_activation", "Relu");
  b.output(b.op("Mul", {b.op("Gemm", {b.input("a", {2, 3}), b.random_constant("w", {3, 2})}, at), scalar(b, "c", -1.0f)}));
  bool changed = true;
  test::apply_pass(*b.model(), passes::fold_scale_into_matmul, &changed);
  EXPECT_FALSE(changed);  // relu(y) * -1 is not relu(-y)
}

}  // namespace
}  // namespace wisp
