#include <cstdio>

#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Value* scalar(ModelBuilder& b, float v) {
  Tensor t(DType::kF32, Shape{});
  t.as<float>()[0] = v;
  static int n = 0;
  char name[32];
  std::snprintf(name, sizeof name, "c%d", n++);
  return b.constant(name, std::move(t));
}

// Builds x * 0.5 * b in one of the three associations (0: (x*b)*0.5, 1: (x*0.5)*b,
// 2: x*(b*0.5)), with operands swapped when `swap`.
Value* half_x_times(ModelBuilder& b, Value* x, Value* one_plus, int assoc, bool swap) {
  auto mul = [&](Value* p, Value* q) { return swap ? b.op("Mul", {q, p}) : b.op("Mul", {p, q}); };
  if (assoc == 0) return mul(mul(x, one_plus), scalar(b, 0.5f));
  if (assoc == 1) return mul(mul(x, scalar(b, 0.5f)), one_plus);
  return mul(x, mul(one_plus, scalar(b, 0.5f)));
}

TEST(FuseGelu, ErfFormInEveryAssociationBecomesGelu) {
  for (int assoc = 0; assoc < 3; ++assoc)
    for (bool swap : {false, true})
      for (bool div : {false, true}) {
        SCOPED_TRACE(testing::Message() << "assoc " << assoc << " swap " << swap << " div " << div);
        ModelBuilder b;
        Value* x = b.op("Relu", {b.input("x", {3, 17})});  // x from a node, as in a real MLP
        Value* a = div ? b.op("Div", {x, scalar(b, 1.4142135f)}) : b.op("Mul", {x, scalar(b, 0.70710678f)});
        Value* one_plus = swap ? b.op("Add", {scalar(b, 1), b.op("Erf", {a})}) : b.op("Add", {b.op("Erf", {a}), scalar(b, 1)});
        b.output(half_x_times(b, x, one_plus, assoc, swap));
        auto before = b.model();
        auto after = test::apply_pass(*before, passes::fuse_gelu);
        ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gelu", 1}, {"Relu", 1}}));
        for (const auto& n : after->graph.nodes())
          if (n->op_type == "Gelu") {
            EXPECT_EQ(n->attrs.get_string("approximate", "none"), "none");
          }
        test::expect_same_outputs(*before, *after);
      }
}

TEST(FuseGelu, TanhFormWithPowOrMulCubeBecomesTanhGelu) {
  for (bool pow_cube : {false, true})
    for (int assoc = 0; assoc < 3; ++assoc) {
      SCOPED_TRACE(testing::Message() << "pow " << pow_cube << " assoc " << assoc);
      ModelBuilder b;
      Value* x = b.input("x", {2, 33});
      Value* cube = pow_cube ? b.op("Pow", {x, scalar(b, 3)}) : b.op("Mul", {b.op("Mul", {x, x}), x});
      Value* inner = b.op("Add", {x, b.op("Mul", {scalar(b, 0.044715f), cube})});
      Value* th = b.op("Tanh", {b.op("Mul", {inner, scalar(b, 0.7978845608f)})});
      b.output(half_x_times(b, x, b.op("Add", {th, scalar(b, 1)}), assoc, false));
      auto before = b.model();
      auto after = test::apply_pass(*before, passes::fuse_gelu);
      ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gelu", 1}}));
      EXPECT_EQ(after->graph.nodes()[0]->attrs.get_string("approximate", ""), "tanh");
      test::expect_same_outputs(*before, *after);
    }
}

TEST(FuseGelu, FactoredTanhFormFastGeluBecomesTanhGelu) {
  // 0.5 * x * (1 + tanh(x * 0.7978845608 * (1 + 0.044715 * x * x))), as Megatron/OpenAI write it.
  for (bool coef_first : {false, true}) {
    ModelBuilder b;
    Value* x = b.input("x", {3, 10});
    Value* sq = coef_first ? b.op("Mul", {b.op("Mul", {x, x}), scalar(b, 0.044715f)})
                           : b.op("Mul", {b.op("Mul", {x, scalar(b, 0.044715f)}), x});
    Value* arg = b.op("Mul", {b.op("Mul", {x, scalar(b, 0.7978845608f)}), b.op("Add", {sq, scalar(b, 1)})});
    b.output(half_x_times(b, x, b.op("Add", {b.op("Tanh", {arg}), scalar(b, 1)}), 1, false));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_gelu);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Gelu", 1}}));
    EXPECT_EQ(after->graph.nodes()[0]->attrs.get_string("approximate", ""), "tanh");
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseGelu, NotWithOtherConstantsOrASharedIntermediate) {
  {  // x * 0.5 * (1 + erf(x / 2)): not GELU
    ModelBuilder b;
    Value* x = b.input("x", {4});
    Value* e = b.op("Erf", {b.op("Div", {x, scalar(b, 2.0f)})});
    b.output(half_x_times(b, x, b.op("Add", {e, scalar(b, 1)}), 0, false));
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_gelu, &changed);
    EXPECT_FALSE(changed);
  }
  {  // the Erf result is also a graph output
    ModelBuilder b;
    Value* x = b.input("x", {4});
    Value* e = b.op("Erf", {b.op("Div", {x, scalar(b, 1.4142135f)})});
    b.output(half_x_times(b, x, b.op("Add", {e, scalar(b, 1)}), 0, false));
    b.output(e);
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_gelu, &changed);
    EXPECT_FALSE(changed);
  }
}

}  // namespace
}  // namespace wisp
