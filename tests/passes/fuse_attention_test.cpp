// fuse_attention: the exported scaled dot-product attention forms become one Attention
// node with the same results (through real Sessions, SIMD kernels included), and
// look-alikes that are not that computation are left alone.
#include <cmath>
#include <cstdio>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
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

Attributes perm(std::vector<int64_t> p) {
  Attributes a;
  a.set_ints("perm", std::move(p));
  return a;
}

Attributes axis(int64_t a) {
  Attributes at;
  at.set_int("axis", a);
  return at;
}

const Node* find_op(const Graph& g, const std::string& op) {
  for (const auto& n : g.nodes())
    if (n->op_type == op) return n.get();
  return nullptr;
}

// softmax(Q K^T / sqrt(8) [+ mask]) V on [2, 3, 7, 8] as torch exports a hand-written
// attention: MatMul(q, Transpose(k, [0, 1, 3, 2])), Div, [Add], Softmax(-1), MatMul.
std::shared_ptr<Model> hand_written(bool with_mask, bool mask_first, bool with_scale) {
  ModelBuilder b;
  Value* q = b.input("q", {2, 3, 7, 8});
  Value* k = b.input("k", {2, 3, 7, 8});
  Value* v = b.input("v", {2, 3, 7, 8});
  Value* s = b.op("MatMul", {q, b.op("Transpose", {k}, perm({0, 1, 3, 2}))});
  if (with_scale) s = b.op("Div", {s, scalar(b, std::sqrt(8.0f))});
  if (with_mask) {
    Value* m = b.input("mask", {2, 1, 7, 7});
    s = mask_first ? b.op("Add", {m, s}) : b.op("Add", {s, m});
  }
  b.output(b.op("MatMul", {b.op("Softmax", {s}, axis(-1)), v}));
  return b.model();
}

TEST(FuseAttention, HandWrittenWithMaskBecomesOneNodeReadingK) {
  for (bool mask_first : {false, true}) {
    SCOPED_TRACE(mask_first ? "Add(mask, scores)" : "Add(scores, mask)");
    auto before = hand_written(true, mask_first, true);
    ASSERT_EQ(test::op_counts(before->graph),
              (std::map<std::string, int>{{"MatMul", 2}, {"Transpose", 1}, {"Div", 1}, {"Add", 1}, {"Softmax", 1}}));
    bool changed = false;
    auto after = test::apply_pass(*before, passes::fuse_attention, &changed);
    EXPECT_TRUE(changed);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}}));
    const Node* n = find_op(after->graph, "Attention");
    EXPECT_EQ(n->domain, "com.wisp");
    ASSERT_EQ(n->inputs.size(), 4u);
    EXPECT_EQ(n->inputs[0]->name, "q");
    EXPECT_EQ(n->inputs[1]->name, "k");  // the Transpose is read through strides
    EXPECT_EQ(n->inputs[2]->name, "v");
    EXPECT_EQ(n->inputs[3]->name, "mask");
    EXPECT_EQ(n->attrs.get_int("k_transposed", 1), 0);
    EXPECT_FLOAT_EQ(n->attrs.get_float("scale", 1), 1.0f / std::sqrt(8.0f));
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseAttention, BaddbmmFormDropsTheMasksMulByOneOnly) {
  // nn.MultiheadAttention's baddbmm export: Add(Mul(mask, beta), Mul(scores, alpha)).
  for (float beta : {1.0f, 2.0f}) {
    ModelBuilder b;
    Value* q = b.input("q", {4, 7, 8});
    Value* kt = b.input("kt", {4, 8, 7});
    Value* s = b.op("Mul", {b.op("MatMul", {q, kt}), scalar(b, 1.0f)});
    Value* m = b.op("Mul", {b.input("mask", {7, 7}), scalar(b, beta)});
    b.output(b.op("MatMul", {b.op("Softmax", {b.op("Add", {m, s})}, axis(-1)), b.input("v", {4, 7, 8})}));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_attention);
    const Node* n = find_op(after->graph, "Attention");
    ASSERT_NE(n, nullptr);
    EXPECT_FALSE(n->attrs.has("scale"));  // alpha 1
    if (beta == 1.0f) {
      EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}}));
      EXPECT_EQ(n->inputs[3]->name, "mask");
    } else {  // a real scaling of the mask stays
      EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}, {"Mul", 1}}));
    }
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseAttention, WithoutScaleOrMask) {
  auto before = hand_written(false, false, false);
  auto after = test::apply_pass(*before, passes::fuse_attention);
  ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}}));
  const Node* n = find_op(after->graph, "Attention");
  EXPECT_EQ(n->inputs.size(), 3u);
  EXPECT_FALSE(n->attrs.has("scale"));
  test::expect_same_outputs(*before, *after);
}

// The zoo's nn.MultiheadAttention form (torch 1.13, [B*H, S, D] per head): Q divided by
// sqrt(D) before the product, K^T made by Transpose([S, B*H, D], [1, 2, 0]), which stays.
std::shared_ptr<Model> zoo_like(bool scores_read_elsewhere, bool probs_read_elsewhere) {
  ModelBuilder b;
  Value* q = b.op("Transpose", {b.input("q", {16, 4, 8})}, perm({1, 0, 2}));
  Value* kt = b.op("Transpose", {b.input("k", {16, 4, 8})}, perm({1, 2, 0}));
  Value* v = b.op("Transpose", {b.input("v", {16, 4, 8})}, perm({1, 0, 2}));
  Value* s = b.op("MatMul", {b.op("Div", {q, scalar(b, std::sqrt(8.0f))}), kt});
  if (scores_read_elsewhere) b.output(b.op("Relu", {s}));
  Value* p = b.op("Softmax", {s}, axis(-1));
  if (probs_read_elsewhere) b.output(p);
  b.output(b.op("Transpose", {b.op("MatMul", {p, v})}, perm({1, 0, 2})));
  return b.model();
}

TEST(FuseAttention, ZooMultiheadFormWithScaleOnQAndHeadTransposes) {
  auto before = zoo_like(false, false);
  ASSERT_EQ(test::op_counts(before->graph),
            (std::map<std::string, int>{{"MatMul", 2}, {"Transpose", 4}, {"Div", 1}, {"Softmax", 1}}));
  auto after = test::apply_pass(*before, passes::fuse_attention);
  ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}}));
  const Node* n = find_op(after->graph, "Attention");
  EXPECT_EQ(n->inputs[0]->name, "q");  // the head Transposes are read through their perms
  EXPECT_EQ(n->inputs[1]->name, "k");
  EXPECT_EQ(n->inputs[2]->name, "v");
  EXPECT_EQ(n->attrs.get_int("k_transposed", 1), 1);
  EXPECT_EQ(n->attrs.get_ints("q_perm"), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(n->attrs.get_ints("k_perm"), (std::vector<int64_t>{1, 2, 0}));
  EXPECT_EQ(n->attrs.get_ints("v_perm"), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(n->attrs.get_ints("y_perm"), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(n->outputs[0], after->graph.outputs[0]);  // writes the graph output itself
  EXPECT_FLOAT_EQ(n->attrs.get_float("scale", 1), 1.0f / std::sqrt(8.0f));
  test::expect_same_outputs(*before, *after);
  // In the default pipeline too (it runs before the scale fold and the MatMul fusions),
  // where the CPU has a SIMD Attention kernel; elsewhere (ARM, reference builds) the pass
  // manager leaves the MatMuls to their own kernels.
  auto optimized = optimize_model(*before);
  const bool fast = find_kernel("com.wisp", "Attention", DType::kF32, best_isa()) !=
                    find_kernel("com.wisp", "Attention", DType::kF32, Isa::kRef);
  if (fast)
    EXPECT_EQ(test::op_counts(optimized->graph), (std::map<std::string, int>{{"Attention", 1}}));
  else
    EXPECT_EQ(find_op(optimized->graph, "Attention"), nullptr);
  test::expect_same_outputs(*before, *optimized);
}

TEST(FuseAttention, KeepsTransposesThatMoveTheRowAxis) {
  // Q [3, 8, 7] -> Transpose [0, 2, 1] -> [3, 7, 8]: D would not be contiguous, so the
  // Transpose stays (as does one moving Dv of the result); the rest still fuses.
  ModelBuilder b;
  Value* q = b.op("Transpose", {b.input("q", {3, 8, 7})}, perm({0, 2, 1}));
  Value* p = b.op("Softmax", {b.op("MatMul", {q, b.input("kt", {3, 8, 7})})}, axis(-1));
  b.output(b.op("Transpose", {b.op("MatMul", {p, b.input("v", {3, 7, 8})})}, perm({0, 2, 1})));
  auto before = b.model();
  auto after = test::apply_pass(*before, passes::fuse_attention);
  ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}, {"Transpose", 2}}));
  EXPECT_FALSE(find_op(after->graph, "Attention")->attrs.has("q_perm"));
  EXPECT_FALSE(find_op(after->graph, "Attention")->attrs.has("y_perm"));
  test::expect_same_outputs(*before, *after);
}

TEST(FuseAttention, LeavesScoresOrProbabilitiesReadElsewhere) {
  for (bool scores : {false, true}) {
    auto before = zoo_like(scores, !scores);
    bool changed = true;
    auto after = test::apply_pass(*before, passes::fuse_attention, &changed);
    EXPECT_FALSE(changed);
    EXPECT_EQ(test::op_counts(after->graph), test::op_counts(before->graph));
  }
}

TEST(FuseAttention, LeavesSoftmaxOnAnotherAxisButTakesTheLastAxisByNumber) {
  for (int64_t ax : {1, 2, 3, -2}) {
    ModelBuilder b;
    Value* q = b.input("q", {2, 3, 7, 8});
    Value* kt = b.input("kt", {2, 3, 8, 7});
    Value* v = b.input("v", {2, 3, 7, 8});
    b.output(b.op("MatMul", {b.op("Softmax", {b.op("MatMul", {q, kt})}, axis(ax)), v}));
    auto before = b.model();
    bool changed = false;
    auto after = test::apply_pass(*before, passes::fuse_attention, &changed);
    EXPECT_EQ(changed, ax == 3) << "axis " << ax;
    if (changed) test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseAttention, LeavesOtherLookAlikes) {
  // A per-element (non-scalar) scale, scores on the right of the second MatMul, a
  // Transpose that does not swap the last two axes (K^T read through its perm), and an
  // unknown-rank V (a node output the pass cannot see the rank of).
  {
    ModelBuilder b;
    Value* q = b.input("q", {3, 7, 8});
    Value* kt = b.input("kt", {3, 8, 7});
    Value* s = b.op("Mul", {b.op("MatMul", {q, kt}), b.random_constant("w", {7, 7})});
    b.output(b.op("MatMul", {b.op("Softmax", {s}, axis(-1)), b.input("v", {3, 7, 8})}));
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_attention, &changed);
    EXPECT_FALSE(changed) << "per-element scale";
  }
  {
    ModelBuilder b;
    Value* p = b.op("Softmax", {b.op("MatMul", {b.input("q", {3, 7, 8}), b.input("kt", {3, 8, 7})})}, axis(-1));
    b.output(b.op("MatMul", {b.input("v", {3, 7, 7}), p}));
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_attention, &changed);
    EXPECT_FALSE(changed) << "probabilities as the right operand";
  }
  {
    ModelBuilder b;
    Value* kt = b.op("Transpose", {b.input("k", {8, 3, 7})}, perm({1, 0, 2}));
    Value* p = b.op("Softmax", {b.op("MatMul", {b.input("q", {3, 7, 8}), kt})}, axis(-1));
    b.output(b.op("MatMul", {p, b.input("v", {3, 7, 8})}));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_attention);
    ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Attention", 1}}));
    EXPECT_EQ(find_op(after->graph, "Attention")->attrs.get_int("k_transposed", 1), 1);
    EXPECT_EQ(find_op(after->graph, "Attention")->attrs.get_ints("k_perm"), (std::vector<int64_t>{1, 0, 2}));
    test::expect_same_outputs(*before, *after);
  }
  {
    ModelBuilder b;
    Value* p = b.op("Softmax", {b.op("MatMul", {b.input("q", {3, 7, 8}), b.input("kt", {3, 8, 7})})}, axis(-1));
    Value* v = b.op("Relu", {b.input("v", {3, 7, 8})});  // rank not visible without inference
    b.output(b.op("MatMul", {p, v}));
    bool changed = true;
    test::apply_pass(*b.model(), passes::fuse_attention, &changed);
    EXPECT_FALSE(changed) << "V of unknown rank";
  }
}

}  // namespace
}  // namespace wisp
