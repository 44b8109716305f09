// The x86 Conv (im2col + SIMD GEMM) against the reference Conv, through real Sessions:
// 1x1 (the input is the GEMM operand), 3x3 with padding and stride, 1-D and 3-D, batch,
// bias, fused activations, a grouped conv (falls back to the reference), and thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cpu/cpu_features.hpp"
#include "ir/graph.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, pads;
  int64_t group = 1;
  bool bias = true;
  const char* activation = nullptr;  // fused, as the optimizer writes it
};

Tensor run_conv(const ConvCase& c, Isa isa, int threads) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 17;
  Value* x = g.add_value("x");
  x->dtype = DType::kF32;
  x->shape = SymShape{};
  for (int64_t d : c.x) x->shape->push_back(SymDim{d, ""});
  g.inputs.push_back(x);
  std::vector<Value*> ins{x, g.add_constant("w", test::random_f32(c.w, 2))};
  if (c.bias) ins.push_back(g.add_constant("b", test::random_f32(Shape{c.w[0]}, 3)));
  Value* y = g.add_value("y");
  Node* n = g.add_node("Conv", "conv", ins, {y});
  if (!c.strides.empty()) n->attrs.set_ints("strides", c.strides);
  if (!c.pads.empty()) n->attrs.set_ints("pads", c.pads);
  n->attrs.set_int("group", c.group);
  if (c.activation) n->attrs.set_string("wisp_activation", c.activation);
  g.outputs.push_back(y);
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  Session s(model, config);
  Tensor xin = test::random_f32(c.x, 1);
  return s.run({{"x", xin.view()}}).at(0);
}

TEST(ConvSimd, MatchesReference) {
  const Isa best = best_isa();
  if (best != Isa::kAvx2 && best != Isa::kAvx512) GTEST_SKIP() << "no x86 SIMD Conv on this CPU";
  const std::vector<ConvCase> cases = {
      {Shape{1, 16, 7, 9}, Shape{33, 16, 1, 1}},                                  // pointwise
      {Shape{2, 3, 17, 15}, Shape{8, 3, 3, 3}, {2, 2}, {1, 1, 1, 1}},             // stem-like, batch 2
      {Shape{1, 5, 6, 6}, Shape{17, 5, 3, 3}, {1, 1}, {1, 0, 2, 1}, 1, false},    // asymmetric pads
      {Shape{1, 4, 31}, Shape{6, 4, 5}, {1}, {2, 2}},                             // 1-D
      {Shape{1, 2, 4, 5, 6}, Shape{3, 2, 3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}},  // 3-D
      {Shape{1, 8, 9, 9}, Shape{16, 8, 3, 3}, {1, 1}, {1, 1, 1, 1}, 1, true, "Relu"},
      {Shape{1, 8, 9, 9}, Shape{16, 8, 1, 1}, {}, {}, 1, true, "HardSwish"},
      {Shape{1, 8, 9, 9}, Shape{8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, 8},            // depthwise: reference path
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const Tensor want = run_conv(cases[i], Isa::kRef, 1);
    for (int threads : {1, 2}) {
      const Tensor got = run_conv(cases[i], best, threads);
      ASSERT_EQ(got.shape(), want.shape());
      for (int64_t e = 0; e < want.numel(); ++e)
        ASSERT_NEAR(got.as<float>()[e], want.as<float>()[e], 1e-4 * (1 + std::fabs(want.as<float>()[e])))
            << "element " << e << " threads " << threads;
    }
  }
}

}  // namespace
}  // namespace wisp
