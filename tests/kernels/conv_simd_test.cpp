// The x86 Conv (tiled im2col + SIMD GEMM, gemm_f32_conv_driver.hpp) against the reference
// Conv, through real Sessions, for each x86 ISA the CPU has: output-position counts below,
// at and above the NR panel (16 / 32) and the 128-position tile; output channels below, at
// and above the MR panel and not a multiple of it; K over one and several KC steps; 1x1
// (the input read directly), stride (2: the vector even-lane path), dilation, asymmetric
// and oversized padding, 1-D and 3-D, batch; bias or none; every fused activation
// (vectorised epilogue); the fused residual; and a grouped conv (reference path). Results
// must also be bit-identical for 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "cpu/cpu_features.hpp"
#include "ir/graph.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group = 1;
  bool bias = true;
  const char* activation = nullptr;  // fused, as the optimizer writes it
  float alpha = 0, beta = 0;          // the activation's wisp_activation_alpha/beta
  bool residual = false;              // a 4th input of Y's shape (fuse_residual_add)
};

Tensor run_conv(const ConvCase& c, Isa isa, int threads) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 17;
  auto add_input = [&](const char* name, const Shape& shape) {
    Value* v = g.add_value(name);
    v->dtype = DType::kF32;
    v->shape = SymShape{};
    for (int64_t d : shape) v->shape->push_back(SymDim{d, ""});
    g.inputs.push_back(v);
    return v;
  };
  Value* x = add_input("x", c.x);
  std::vector<Value*> ins{x, g.add_constant("w", test::random_f32(c.w, 2))};
  ins.push_back(c.bias ? g.add_constant("b", test::random_f32(Shape{c.w[0]}, 3)) : nullptr);
  Tensor rin;
  if (c.residual) {
    // Y's shape: the reference session (no residual) tells it.
    ConvCase plain = c;
    plain.residual = false;
    rin = test::random_f32(run_conv(plain, Isa::kRef, 1).shape(), 4);
    ins.push_back(add_input("r", rin.shape()));
  }
  if (!c.residual) ins.resize(c.bias ? 3 : 2);
  Value* y = g.add_value("y");
  Node* n = g.add_node("Conv", "conv", ins, {y});
  if (!c.strides.empty()) n->attrs.set_ints("strides", c.strides);
  if (!c.pads.empty()) n->attrs.set_ints("pads", c.pads);
  if (!c.dilations.empty()) n->attrs.set_ints("dilations", c.dilations);
  n->attrs.set_int("group", c.group);
  if (c.activation) {
    n->attrs.set_string(kActivationAttr, c.activation);
    n->attrs.set_float(kActivationAlphaAttr, c.alpha);
    n->attrs.set_float(kActivationBetaAttr, c.beta);
  }
  if (c.residual) n->attrs.set_int(kResidualAttr, 1);
  g.outputs.push_back(y);
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  Session s(model, config);
  Tensor xin = test::random_f32(c.x, 1);
  if (c.residual) return s.run({{"x", xin.view()}, {"r", rin.view()}}).at(0);
  return s.run({{"x", xin.view()}}).at(0);
}

std::vector<ConvCase> cases() {
  std::vector<ConvCase> v = {
      {Shape{1, 16, 7, 9}, Shape{33, 16, 1, 1}},                                    // pointwise, P = 63
      {Shape{1, 2, 4, 8}, Shape{8, 2, 1, 1}},                                       // P = 32 = one AVX-512 panel
      {Shape{1, 3, 4, 4}, Shape{5, 3, 3, 3}, {}, {1, 1, 1, 1}},                     // P = 16 < NR, M < MR
      {Shape{1, 7, 8, 16}, Shape{9, 7, 3, 3}, {}, {1, 1, 1, 1}},                    // P = 128 = one tile
      {Shape{1, 5, 13, 11}, Shape{13, 5, 3, 3}, {}, {1, 1, 1, 1}},                  // P = 143: two tiles
      {Shape{1, 40, 9, 9}, Shape{20, 40, 3, 3}, {}, {1, 1, 1, 1}},                  // K = 360: 2 KC steps
      {Shape{1, 67, 6, 7}, Shape{101, 67, 3, 3}, {}, {1, 1, 1, 1}},                 // K = 603, M = 101
      {Shape{1, 300, 5, 5}, Shape{24, 300, 1, 1}},                                  // pointwise, K = 300
      {Shape{2, 3, 17, 15}, Shape{8, 3, 3, 3}, {2, 2}, {1, 1, 1, 1}},               // stem-like, batch 2
      {Shape{1, 3, 40, 70}, Shape{8, 3, 7, 7}, {2, 2}, {3, 3, 3, 3}},               // 7x7 s2: rows of 35 (vector + tail)
      {Shape{1, 3, 15, 15}, Shape{6, 3, 3, 3}, {2, 2}, {2, 2, 2, 2}, {2, 2}},       // stride + dilation
      {Shape{1, 2, 5, 5}, Shape{3, 2, 3, 3}, {}, {3, 3, 3, 3}},                     // rows of only padding
      {Shape{1, 5, 6, 6}, Shape{17, 5, 3, 3}, {1, 1}, {1, 0, 2, 1}, {}, 1, false},  // asymmetric pads, no bias
      {Shape{1, 4, 31}, Shape{6, 4, 5}, {1}, {2, 2}},                               // 1-D
      {Shape{1, 2, 4, 5, 6}, Shape{3, 2, 3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}},  // 3-D
      {Shape{3, 6, 12, 12}, Shape{10, 6, 1, 1}, {2, 2}},                            // strided 1x1, batch 3
      {Shape{1, 8, 9, 9}, Shape{8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 8},          // depthwise: other path
  };
  // Every activation, on a shape with a masked tail (P = 81).
  const std::vector<std::tuple<const char*, float, float>> acts = {
      {"Relu", 0, 0},        {"Clip", -0.5f, 0.7f}, {"LeakyRelu", 0.1f, 0},  {"Sigmoid", 0, 0},
      {"HardSigmoid", 0.2f, 0.5f}, {"HardSwish", 1.0f / 6, 0.5f}, {"Tanh", 0, 0}, {"Silu", 0, 0},
      {"Gelu", 0, 0},        {"GeluTanh", 0, 0}};
  for (const auto& [name, alpha, beta] : acts) {
    ConvCase c{Shape{1, 8, 9, 9}, Shape{16, 8, 3, 3}, {1, 1}, {1, 1, 1, 1}};
    c.activation = name;
    c.alpha = alpha;
    c.beta = beta;
    v.push_back(c);
  }
  // The fused residual: with Relu (ResNet), with no bias, on a pointwise conv over two tiles.
  ConvCase r1{Shape{2, 8, 9, 9}, Shape{16, 8, 3, 3}, {1, 1}, {1, 1, 1, 1}};
  r1.activation = "Relu";
  r1.residual = true;
  ConvCase r2{Shape{1, 5, 13, 11}, Shape{13, 5, 1, 1}, {}, {}, {}, 1, false};
  r2.residual = true;
  ConvCase r3{Shape{1, 8, 9, 9}, Shape{8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 8};  // grouped + residual (reference)
  r3.residual = true;
  r3.activation = "Silu";
  v.insert(v.end(), {r1, r2, r3});
  return v;
}

class ConvSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(ConvSimd, MatchesReferenceAndIsBitIdenticalForAnyThreadCount) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU (or WISP_MAX_ISA) does not allow " << isa_name(isa);
  const std::vector<ConvCase> all = cases();
  for (size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + (all[i].activation ? std::string(" ") + all[i].activation : ""));
    const Tensor want = run_conv(all[i], Isa::kRef, 1);
    const Tensor one = run_conv(all[i], isa, 1);
    ASSERT_EQ(one.shape(), want.shape());
    for (int64_t e = 0; e < want.numel(); ++e)
      ASSERT_NEAR(one.as<float>()[e], want.as<float>()[e], 1e-4 * (1 + std::fabs(want.as<float>()[e])))
          << "element " << e;
    for (int threads : {2, 3}) {
      const Tensor got = run_conv(all[i], isa, threads);
      ASSERT_EQ(std::memcmp(got.data(), one.data(), static_cast<size_t>(one.numel()) * 4), 0) << threads << " threads";
    }
  }
}

TEST(ConvSimdParams, FourthInputNeedsTheResidualMark) {
  // An ONNX Conv has at most 3 inputs: a 4th is accepted only on a Conv the pass fused.
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 17;
  Value* x = g.add_value("x");
  x->dtype = DType::kF32;
  x->shape = SymShape{{1, ""}, {2, ""}, {3, ""}, {3, ""}};
  g.inputs.push_back(x);
  Value* y = g.add_value("y");
  g.add_node("Conv", "conv",
             {x, g.add_constant("w", test::random_f32(Shape{2, 2, 1, 1}, 2)), nullptr,
              g.add_constant("r", test::random_f32(Shape{1, 2, 3, 3}, 3))},
             {y});
  g.outputs.push_back(y);
  const Tensor xin = test::random_f32(Shape{1, 2, 3, 3}, 1);
  EXPECT_THROW(
      {
        Session s(model, SessionConfig{});
        s.run({{"x", xin.view()}});
      },
      Error);
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }
INSTANTIATE_TEST_SUITE_P(AllIsas, ConvSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
