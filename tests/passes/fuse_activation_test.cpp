#include "ir/ops/epilogue_attrs.hpp"
#include "passes/passes.hpp"
#include "runtime/session.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

struct ActCase {
  const char* op;
  Attributes attrs;
  bool clip_bounds = false;
};

std::vector<ActCase> activation_cases() {
  Attributes leaky, hard;
  leaky.set_float("alpha", 0.3f);
  hard.set_float("alpha", 0.3f);
  hard.set_float("beta", 0.4f);
  return {{"Relu", {}}, {"Clip", {}, true}, {"Clip", {}, false}, {"LeakyRelu", leaky}, {"Sigmoid", {}},
          {"HardSigmoid", hard}, {"HardSwish", {}}, {"Tanh", {}}};
}

Value* activation(ModelBuilder& b, Value* x, const ActCase& c) {
  std::vector<Value*> in{x};
  if (c.clip_bounds) {  // Relu6
    in.push_back(b.constant("lo", Tensor::from<float>({}, {0.0f})));
    in.push_back(b.constant("hi", Tensor::from<float>({}, {0.6f})));
  }
  return b.op(c.op, in, c.attrs);
}

TEST(FuseActivation, EveryActivationIntoConvMatchesTheUnfusedGraph) {
  for (const ActCase& c : activation_cases()) {
    SCOPED_TRACE(c.op);
    ModelBuilder b;
    Value* conv = b.op("Conv", {b.input("x", {2, 3, 5, 5}), b.random_constant("w", {4, 3, 3, 3}),
                                b.random_constant("b", {4})});
    b.output(activation(b, conv, c));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_activation);
    ASSERT_EQ(after->graph.nodes().size(), 1u);
    const Node& n = *after->graph.nodes()[0];
    EXPECT_EQ(n.attrs.get_string(kActivationAttr, ""), c.op);
    EXPECT_EQ(n.outputs[0]->name, before->graph.outputs[0]->name);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseActivation, EveryActivationIntoGemm) {
  for (const ActCase& c : activation_cases()) {
    SCOPED_TRACE(c.op);
    ModelBuilder b;
    Attributes at;
    at.set_int("transB", 1);
    Value* gemm = b.op("Gemm", {b.input("x", {3, 8}), b.random_constant("w", {5, 8}), b.random_constant("c", {5})}, at);
    b.output(activation(b, gemm, c));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_activation);
    ASSERT_EQ(after->graph.nodes().size(), 1u);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseActivation, ClipBoundsAreApplied) {
  // Hand-checked: a 1x1 conv with weight 1 and no bias is the identity, so Relu6-like
  // Clip(0, 0.6) must clamp the inputs.
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 1, 1, 3}), b.constant("w", Tensor::from<float>({1, 1, 1, 1}, {1.0f}))});
  b.output(activation(b, conv, {"Clip", {}, true}));
  auto after = test::apply_pass(*b.model(), passes::fuse_activation);
  ASSERT_EQ(after->graph.nodes().size(), 1u);
  Session s(after);
  Tensor x = Tensor::from<float>({1, 1, 1, 3}, {-1.0f, 0.25f, 2.0f});
  Tensor y = s.run({{"x", x.view()}})[0];
  EXPECT_FLOAT_EQ(y.as<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(y.as<float>()[1], 0.25f);
  EXPECT_FLOAT_EQ(y.as<float>()[2], 0.6f);
}

TEST(FuseActivation, NotWhenThePreActivationValueIsReadElsewhereOrBoundsAreInputs) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 1, 3, 3}), b.random_constant("w", {2, 1, 1, 1})});
  b.output(b.op("Relu", {conv}));
  b.output(conv);
  Value* conv2 = b.op("Conv", {b.input("x2", {1, 1, 3, 3}), b.random_constant("w2", {2, 1, 1, 1})});
  b.output(b.op("Clip", {conv2, b.input("lo", {})}));
  bool changed = true;
  test::apply_pass(*b.model(), passes::fuse_activation, &changed);
  EXPECT_FALSE(changed);
}

TEST(FuseActivation, OnlyOneActivationPerNode) {
  ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 1, 3, 3}), b.random_constant("w", {2, 1, 1, 1})});
  b.output(b.op("Sigmoid", {b.op("Relu", {conv})}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fuse_activation);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Conv", 1}, {"Sigmoid", 1}}));
  test::expect_same_outputs(*before, *after);
}

}  // namespace
}  // namespace wisp

namespace wisp {
namespace {

// Mul(y, Sigmoid(y)) (either operand order) and Gelu (both approximations) fuse into Conv.
TEST(FuseActivation, SiluPairAndGeluFuseIntoConv) {
  for (int form = 0; form < 4; ++form) {
    SCOPED_TRACE(form);
    test::ModelBuilder b;
    Value* conv = b.op("Conv", {b.input("x", {1, 3, 5, 5}), b.random_constant("w", {4, 3, 3, 3}),
                                b.random_constant("b", {4})});
    Value* out = nullptr;
    const char* want = nullptr;
    if (form < 2) {
      Value* s = b.op("Sigmoid", {conv});
      out = form == 0 ? b.op("Mul", {conv, s}) : b.op("Mul", {s, conv});
      want = "Silu";
    } else {
      Attributes a;
      if (form == 3) a.set_string("approximate", "tanh");
      out = b.op("Gelu", {conv}, a);
      want = form == 3 ? "GeluTanh" : "Gelu";
    }
    b.output(out);
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_activation);
    ASSERT_EQ(after->graph.nodes().size(), 1u);
    EXPECT_EQ(after->graph.nodes()[0]->attrs.get_string(kActivationAttr, ""), want);
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseActivation, SiluNotWhenTheConvOutputHasAThirdReader) {
  test::ModelBuilder b;
  Value* conv = b.op("Conv", {b.input("x", {1, 3, 5, 5}), b.random_constant("w", {4, 3, 3, 3})});
  b.output(b.op("Mul", {conv, b.op("Sigmoid", {conv})}));
  b.output(b.op("Neg", {conv}));
  bool changed = true;
  test::apply_pass(*b.model(), passes::fuse_activation, &changed);
  EXPECT_FALSE(changed);
}

}  // namespace
}  // namespace wisp
