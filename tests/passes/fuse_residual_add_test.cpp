#include <cmath>

#include "cpu/cpu_features.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "passes/passes.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Attributes pads1() {
  Attributes a;
  a.set_ints("pads", {1, 1, 1, 1});
  return a;
}

// A ResNet basic block: r = x; y = Relu(Add(Conv(Relu(Conv(x))), r)).
TEST(FuseResidualAdd, ResNetBlockBecomesConvWithResidualThenReluFuses) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 4, 6, 6});
  Value* h = b.op("Relu", {b.op("Conv", {x, b.random_constant("w1", {4, 4, 3, 3}), b.random_constant("b1", {4})}, pads1())});
  Value* c2 = b.op("Conv", {h, b.random_constant("w2", {4, 4, 3, 3}), b.random_constant("b2", {4})}, pads1());
  b.output(b.op("Relu", {b.op("Add", {c2, x})}));
  auto before = b.model();
  bool changed = false;
  auto fused = test::apply_pass(*before, passes::fuse_residual_add, &changed);
  EXPECT_TRUE(changed);
  EXPECT_EQ(test::op_counts(fused->graph), (std::map<std::string, int>{{"Conv", 2}, {"Relu", 2}}));
  const Node* conv2 = fused->graph.outputs[0]->producer->inputs[0]->producer;
  ASSERT_EQ(conv2->op_type, "Conv");
  ASSERT_EQ(conv2->inputs.size(), 4u);
  EXPECT_EQ(conv2->inputs[3], fused->graph.inputs[0]);  // the residual is x
  EXPECT_EQ(conv2->attrs.get_int(kResidualAttr, 0), 1);
  test::expect_same_outputs(*before, *fused);
  // The Relu after the Add then fuses too: the block is two Conv nodes.
  auto both = test::apply_pass(*fused, passes::fuse_activation);
  EXPECT_EQ(test::op_counts(both->graph), (std::map<std::string, int>{{"Conv", 2}}));
  test::expect_same_outputs(*before, *both);
}

TEST(FuseResidualAdd, ResidualProducedAfterTheConvAndNoBias) {
  // Add(Conv(x), downsample) with the downsample Conv listed after the main Conv: the main
  // Conv takes the downsample as its residual, so the graph must be re-ordered.
  ModelBuilder b;
  Value* x = b.input("x", {1, 3, 5, 5});
  Value* main = b.op("Conv", {x, b.random_constant("w", {6, 3, 3, 3})}, pads1());
  Value* down = b.op("Conv", {x, b.random_constant("wd", {6, 3, 1, 1}), b.random_constant("bd", {6})});
  b.output(b.op("Add", {main, down}));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fuse_residual_add);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Conv", 2}}));
  ASSERT_EQ(after->graph.nodes()[1]->inputs.size(), 4u);  // the main Conv, now after the downsample
  EXPECT_EQ(after->graph.nodes()[1]->inputs[3], after->graph.nodes()[0]->outputs[0]);
  test::expect_same_outputs(*before, *after);
}

// r computed in the graph and dying at the Conv: the planner lets Y take over r's buffer
// (Conv's inplace_input), which both kernels allow. Also r that is X itself (Add(Conv(x), x))
// and r reaching X's buffer through a Reshape: Y must not take that buffer over.
TEST(FuseResidualAdd, InPlaceOverTheResidualGivesTheSameResults) {
  for (int form = 0; form < 3; ++form) {
    SCOPED_TRACE(form);
    ModelBuilder b;
    Value* x = b.input("x", {2, 8, 9, 9});
    Value* r = b.op("Relu", {x});
    Value* cin = form == 0 ? x : r;
    if (form == 2) cin = b.op("Reshape", {r, b.constant("shape", Tensor::from<int64_t>({4}, {2, 8, 9, 9}))});
    Value* c = b.op("Conv", {cin, b.random_constant("w", {8, 8, 3, 3}), b.random_constant("b", {8})}, pads1());
    b.output(b.op("Relu", {b.op("Add", {c, r})}));
    auto before = b.model();
    auto fused = test::apply_pass(*test::apply_pass(*before, passes::fuse_residual_add), passes::fuse_activation);
    EXPECT_EQ(test::op_counts(fused->graph)["Add"], 0);
    test::expect_same_outputs(*before, *fused);
    for (Isa isa : {Isa::kRef, best_isa()}) {  // the reference kernel as well as the SIMD one
      SessionConfig config;
      config.max_isa = isa;
      Session fused_session(fused, config), plain_session(before, config);
      const Tensor in = test::random_f32(Shape{2, 8, 9, 9}, 5);
      const Tensor want = plain_session.run({{"x", in.view()}}).at(0), got = fused_session.run({{"x", in.view()}}).at(0);
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(got.as<float>()[i], want.as<float>()[i], 1e-4 * (1 + std::fabs(want.as<float>()[i]))) << i;
    }
  }
}

TEST(FuseResidualAdd, NotWhenBroadcastReadElsewhereActivatedOrGrouped) {
  auto unchanged = [](ModelBuilder& b) {
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_residual_add, &changed);
    return !changed;
  };
  {  // broadcast: r is [1, 4, 1, 1]
    ModelBuilder b;
    Value* c = b.op("Conv", {b.input("x", {1, 4, 3, 3}), b.random_constant("w", {4, 4, 1, 1})});
    b.output(b.op("Add", {c, b.input("r", {1, 4, 1, 1})}));
    EXPECT_TRUE(unchanged(b));
  }
  {  // the Conv output is also a graph output
    ModelBuilder b;
    Value* c = b.op("Conv", {b.input("x", {1, 4, 3, 3}), b.random_constant("w", {4, 4, 1, 1})});
    b.output(b.op("Add", {c, b.input("r", {1, 4, 3, 3})}));
    b.output(c);
    EXPECT_TRUE(unchanged(b));
  }
  {  // an activation already fused: it would have to apply after the Add
    ModelBuilder b;
    Node* conv = b.node("Conv", {b.input("x", {1, 4, 3, 3}), b.random_constant("w", {4, 4, 1, 1})});
    conv->attrs.set_string(kActivationAttr, "Relu");
    b.output(b.op("Add", {conv->outputs[0], b.input("r", {1, 4, 3, 3})}));
    EXPECT_TRUE(unchanged(b));
  }
  {  // grouped conv
    ModelBuilder b;
    Attributes g;
    g.set_int("group", 4);
    Value* c = b.op("Conv", {b.input("x", {1, 4, 3, 3}), b.random_constant("w", {4, 1, 1, 1})}, g);
    b.output(b.op("Add", {c, b.input("r", {1, 4, 3, 3})}));
    EXPECT_TRUE(unchanged(b));
  }
  {  // Add(c, c): the residual would be the Conv's own output
    ModelBuilder b;
    Value* c = b.op("Conv", {b.input("x", {1, 4, 3, 3}), b.random_constant("w", {4, 4, 1, 1})});
    b.output(b.op("Add", {c, c}));
    EXPECT_TRUE(unchanged(b));
  }
}

}  // namespace
}  // namespace wisp
