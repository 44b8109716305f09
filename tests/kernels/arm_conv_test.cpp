// The NEON Conv (src/kernels/arm/conv_f32_neon.cpp: group 1 on the NEON GEMM, depthwise
// 3x3 on its own kernel) against the reference Conv, through real Sessions (max_isa neon
// vs ref): pointwise, 3x3 with padding and stride, 1-D, 3-D, odd channel counts, widths
// around the 4-lane vector and the border split, fused activations, a grouped conv that
// is neither (falls back to the reference), and bit-identical results for 1-3 threads.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/graph.hpp"
#include "kernels/arm/depthwise_conv3x3_f32_neon.hpp"
#include "kernels/arm_kernel_test_util.hpp"
#include "runtime/session.hpp"

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

void expect_matches_reference(const std::vector<ConvCase>& cases) {
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "case " << i);
    const Tensor want = run_conv(cases[i], Isa::kRef, 1);
    const Tensor one = run_conv(cases[i], Isa::kNeon, 1);
    ASSERT_EQ(one.shape(), want.shape());
    for (int64_t e = 0; e < want.numel(); ++e)
      ASSERT_NEAR(one.as<float>()[e], want.as<float>()[e], 1e-5 * (1 + std::fabs(want.as<float>()[e])))
          << "element " << e;
    for (int threads : {2, 3}) EXPECT_TRUE(test::same_bits(one, run_conv(cases[i], Isa::kNeon, threads))) << threads << " threads";
  }
}

TEST(ArmConv, GroupOneMatchesReference) {
  ASSERT_EQ(detected_isa(), Isa::kNeon);
  expect_matches_reference({
      {Shape{1, 16, 7, 9}, Shape{33, 16, 1, 1}},                                     // pointwise
      {Shape{2, 3, 17, 15}, Shape{8, 3, 3, 3}, {2, 2}, {1, 1, 1, 1}},                // stem-like, batch 2
      {Shape{1, 5, 6, 6}, Shape{17, 5, 3, 3}, {1, 1}, {1, 0, 2, 1}, 1, false},       // asymmetric pads, no bias
      {Shape{1, 4, 31}, Shape{6, 4, 5}, {1}, {2, 2}},                                // 1-D
      {Shape{1, 2, 4, 5, 6}, Shape{3, 2, 3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}},   // 3-D
      {Shape{1, 7, 9, 9}, Shape{13, 7, 3, 3}, {1, 1}, {1, 1, 1, 1}, 1, true, "Relu"},
      {Shape{1, 8, 9, 9}, Shape{16, 8, 1, 1}, {}, {}, 1, true, "HardSwish"},
      {Shape{1, 300, 5, 5}, Shape{20, 300, 1, 1}, {}, {}, 1, true, "Sigmoid"},    // K past one KC block
  });
}

TEST(ArmConv, DepthwiseMatchesReference) {
  ASSERT_EQ(detected_isa(), Isa::kNeon);
  std::vector<ConvCase> cases;
  // Widths below, at and above 4 lanes and the interior limits; stride 1 and 2; with and
  // without padding (symmetric and not); odd channel counts.
  for (int64_t w : {1, 3, 4, 5, 7, 8, 11, 12, 17, 33})
    for (int64_t stride : {1, 2}) {
      cases.push_back({Shape{1, 3, 5, w}, Shape{3, 1, 3, 3}, {stride, stride}, {1, 1, 1, 1}, 3});
      if (w >= 3) cases.push_back({Shape{2, 5, 6, w}, Shape{5, 1, 3, 3}, {stride, stride}, {0, 0, 0, 0}, 5, false});
      cases.push_back({Shape{1, 2, 7, w}, Shape{2, 1, 3, 3}, {stride, stride}, {0, 1, 2, 1}, 2});
    }
  cases.push_back({Shape{1, 32, 12, 12}, Shape{32, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, 32, true, "Relu"});
  cases.push_back({Shape{1, 9, 13, 13}, Shape{9, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, 9, true, "Sigmoid"});
  cases.push_back({Shape{1, 4, 9, 10}, Shape{4, 1, 3, 3}, {2, 1}, {1, 1, 1, 1}, 4});  // strides differ
  expect_matches_reference(cases);
}

TEST(ArmConv, DepthwiseKernelChoice) {
  ref::ConvParams p;
  p.geo.spatial = 2;
  p.geo.kernel[1] = p.geo.kernel[2] = 3;
  p.in_channels = p.out_channels = p.group = 8;
  EXPECT_TRUE(arm::depthwise_conv3x3_f32_neon_supports(p));
  p.geo.stride[2] = 2;
  EXPECT_TRUE(arm::depthwise_conv3x3_f32_neon_supports(p));
  p.geo.stride[2] = 3;
  EXPECT_FALSE(arm::depthwise_conv3x3_f32_neon_supports(p)) << "stride 3 is not vectorised";
  p.geo.stride[2] = 1;
  p.geo.dilation[2] = 2;
  EXPECT_FALSE(arm::depthwise_conv3x3_f32_neon_supports(p)) << "dilation";
  p.geo.dilation[2] = 1;
  p.out_channels = 16;
  EXPECT_FALSE(arm::depthwise_conv3x3_f32_neon_supports(p)) << "channel multiplier 2";
  p.out_channels = 8;
  p.geo.kernel[2] = 5;
  EXPECT_FALSE(arm::depthwise_conv3x3_f32_neon_supports(p)) << "5x5";
}

TEST(ArmConv, OtherGroupedConvsFallBackToReference) {
  expect_matches_reference({
      {Shape{1, 8, 9, 9}, Shape{4, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, 4},   // 4 groups of 2
      {Shape{1, 6, 9, 9}, Shape{6, 1, 5, 5}, {1, 1}, {2, 2, 2, 2}, 6},   // depthwise 5x5
  });
}

}  // namespace
}  // namespace wisp
