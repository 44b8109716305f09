// The reference com.wisp NHWC ops (NhwcConv, NhwcDepthwiseConv, NhwcMaxPool,
// NhwcAveragePool, NhwcGlobalAveragePool) against the NCHW reference ops on the same data
// transposed: strides, asymmetric pads, dilations, auto_pad, ceil_mode, count_include_pad,
// depthwise multiplier 1 and 2, batch 2, bias or none, the fused residual and activations.
// The pools must match exactly (same taps in the same order); the convs to 1e-6 relative
// (the same sums, but the NCHW reference's GEMM loop may be contracted/vectorised
// differently by the compiler). Plus the schemas' validation errors.
#include <gtest/gtest.h>

#include <string>

#include "ir/ops/epilogue_attrs.hpp"
#include "kernels/nhwc_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::NodeInput;
using test::random_f32;
using test::run_node;
using test::tensors_near;
using test::to_nchw;
using test::to_nhwc;

struct ConvCase {
  const char* name;
  Shape x, w;  // NCHW X, ONNX W
  int64_t group = 1;
  std::vector<int64_t> strides, pads, dilations;
  const char* auto_pad = nullptr;
  bool bias = true;
  const char* activation = nullptr;
  float alpha = 0, beta = 0;
  bool residual = false;
};

Attributes conv_attrs(const ConvCase& c) {
  Attributes at;
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (c.auto_pad) at.set_string("auto_pad", c.auto_pad);
  at.set_int("group", c.group);
  if (c.activation) {
    at.set_string(kActivationAttr, c.activation);
    at.set_float(kActivationAlphaAttr, c.alpha);
    at.set_float(kActivationBetaAttr, c.beta);
  }
  if (c.residual) at.set_int(kResidualAttr, 1);
  return at;
}

void check_conv(const ConvCase& c, const char* nhwc_op) {
  SCOPED_TRACE(c.name);
  const Tensor x = random_f32(c.x, 1), w = random_f32(c.w, 2), b = random_f32(Shape{c.w[0]}, 3);
  const Attributes at = conv_attrs(c);
  std::vector<NodeInput> nchw_in{{x}, {w, true}, {c.bias ? b : Tensor(), true}};
  std::vector<NodeInput> nhwc_in{{to_nhwc(x)}, {w, true}, {c.bias ? b : Tensor(), true}};
  if (c.residual) {
    // The residual has Y's shape: an unfused run tells it.
    Attributes plain = conv_attrs(c);
    plain.erase(kResidualAttr);
    const Tensor r = random_f32(run_node("Conv", "", nchw_in, plain).shape(), 4);
    nchw_in.push_back({r});
    nhwc_in.push_back({to_nhwc(r)});
  }
  const Tensor expect = run_node("Conv", "", nchw_in, at);
  const Tensor got = run_node(nhwc_op, "com.wisp", nhwc_in, at);
  ASSERT_EQ(got.shape(), to_nhwc(expect).shape());
  EXPECT_TRUE(tensors_near(to_nchw(got), expect, 1e-6, 1e-6));
}

TEST(NhwcConvRef, MatchesNchwConv) {
  const ConvCase cases[] = {
      {.name = "3x3 pad 1", .x = {1, 5, 7, 6}, .w = {4, 5, 3, 3}, .pads = {1, 1, 1, 1}},
      {.name = "1x1 no bias", .x = {1, 7, 4, 5}, .w = {9, 7, 1, 1}, .bias = false},
      {.name = "stride 2 asym pads batch 2", .x = {2, 3, 9, 8}, .w = {5, 3, 3, 3}, .strides = {2, 2},
       .pads = {0, 1, 2, 1}},
      {.name = "dilation 2 stride (1,2)", .x = {1, 4, 10, 9}, .w = {3, 4, 3, 2}, .strides = {1, 2},
       .pads = {2, 1, 2, 0}, .dilations = {2, 2}},
      {.name = "SAME_UPPER stride 2", .x = {1, 3, 8, 7}, .w = {4, 3, 4, 3}, .strides = {2, 2}, .auto_pad = "SAME_UPPER"},
      {.name = "SAME_LOWER", .x = {1, 3, 6, 6}, .w = {2, 3, 2, 2}, .auto_pad = "SAME_LOWER"},
      {.name = "VALID", .x = {1, 2, 6, 5}, .w = {3, 2, 3, 3}, .auto_pad = "VALID"},
      {.name = "relu", .x = {1, 6, 5, 5}, .w = {8, 6, 3, 3}, .pads = {1, 1, 1, 1}, .activation = "Relu"},
      {.name = "clip 0..6", .x = {1, 6, 5, 5}, .w = {8, 6, 1, 1}, .activation = "Clip", .alpha = 0, .beta = 6},
      {.name = "hardswish", .x = {1, 4, 5, 5}, .w = {4, 4, 3, 3}, .pads = {1, 1, 1, 1}, .activation = "HardSwish",
       .alpha = 1.0f / 6, .beta = 0.5f},
      {.name = "residual + relu", .x = {2, 4, 6, 6}, .w = {4, 4, 3, 3}, .pads = {1, 1, 1, 1}, .activation = "Relu",
       .residual = true},
      {.name = "residual, no act, stride 2", .x = {1, 3, 7, 7}, .w = {6, 3, 1, 1}, .strides = {2, 2},
       .residual = true},
  };
  for (const ConvCase& c : cases) check_conv(c, "NhwcConv");
}

TEST(NhwcDepthwiseConvRef, MatchesNchwConv) {
  const ConvCase cases[] = {
      {.name = "3x3 pad 1", .x = {1, 5, 7, 6}, .w = {5, 1, 3, 3}, .group = 5, .pads = {1, 1, 1, 1}},
      {.name = "multiplier 2 stride 2", .x = {2, 3, 9, 8}, .w = {6, 1, 3, 3}, .group = 3, .strides = {2, 2},
       .pads = {1, 0, 1, 2}},
      {.name = "5x5 dilation SAME_UPPER", .x = {1, 4, 9, 9}, .w = {4, 1, 5, 5}, .group = 4, .strides = {2, 2},
       .auto_pad = "SAME_UPPER"},
      {.name = "multiplier 2, dilation 2, no bias", .x = {1, 2, 8, 8}, .w = {4, 1, 3, 3}, .group = 2,
       .pads = {2, 2, 2, 2}, .dilations = {2, 2}, .bias = false},
      {.name = "clip + residual", .x = {1, 8, 6, 5}, .w = {8, 1, 3, 3}, .group = 8, .pads = {1, 1, 1, 1},
       .activation = "Clip", .alpha = 0, .beta = 0.5f, .residual = true},
      {.name = "sigmoid", .x = {1, 3, 4, 4}, .w = {3, 1, 3, 3}, .group = 3, .auto_pad = "VALID",
       .activation = "Sigmoid"},
  };
  for (const ConvCase& c : cases) check_conv(c, "NhwcDepthwiseConv");
}

TEST(NhwcConvRef, F64MatchesNchwConv) {
  Tensor x(DType::kF64, {1, 3, 5, 4}), w(DType::kF64, {2, 3, 3, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<double>()[i] = 0.1 * static_cast<double>(i % 7) - 0.3;
  for (int64_t i = 0; i < w.numel(); ++i) w.as<double>()[i] = 0.05 * static_cast<double>(i % 5) - 0.1;
  Attributes at;
  at.set_ints("pads", {1, 1, 1, 1});
  const Tensor expect = run_node("Conv", "", {{x}, {w, true}}, at);
  const Tensor got = run_node("NhwcConv", "com.wisp", {{to_nhwc(x)}, {w, true}}, at);
  EXPECT_TRUE(tensors_near(to_nchw(got), expect, 1e-12, 1e-12));
}

TEST(NhwcConvRef, HandComputed) {
  // X NHWC [1, 1, 2, 2]: positions (0,0) = [1, 2], (0,1) = [3, 4]; W 1x1 [1, 2]: [10, 100].
  const Tensor x = Tensor::from<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor w = Tensor::from<float>({1, 2, 1, 1}, {10, 100});
  const Tensor b = Tensor::from<float>({1}, {0.5f});
  const Tensor y = run_node("NhwcConv", "com.wisp", {{x}, {w, true}, {b, true}}, {});
  EXPECT_TRUE(tensors_near(y, Tensor::from<float>({1, 1, 2, 1}, {210.5f, 430.5f})));
}

TEST(NhwcConvRef, SchemaErrors) {
  const Tensor x = random_f32({1, 4, 4, 6}, 1);  // NHWC, C = 6
  Attributes g2;
  g2.set_int("group", 2);
  // NhwcConv is group 1 only.
  EXPECT_THROW(run_node("NhwcConv", "com.wisp", {{x}, {random_f32({4, 3, 3, 3}, 2), true}}, g2), Error);
  // NhwcDepthwiseConv needs group == C.
  EXPECT_THROW(run_node("NhwcDepthwiseConv", "com.wisp", {{x}, {random_f32({4, 3, 3, 3}, 2), true}}, g2), Error);
  // C is dim 3: weights with C = 4 (as if X were NCHW) do not fit.
  EXPECT_THROW(run_node("NhwcConv", "com.wisp", {{x}, {random_f32({2, 4, 3, 3}, 2), true}}, {}), Error);
  // Rank 4 only.
  EXPECT_THROW(run_node("NhwcConv", "com.wisp", {{random_f32({1, 4, 6}, 1)}, {random_f32({2, 6, 3}, 2), true}}, {}),
               Error);
  // A residual without wisp_residual.
  const Tensor w = random_f32({2, 6, 1, 1}, 2);
  EXPECT_THROW(run_node("NhwcConv", "com.wisp", {{x}, {w, true}, {}, {random_f32({1, 4, 4, 2}, 3)}}, {}), Error);
  // A residual of the wrong (NCHW) shape.
  Attributes res;
  res.set_int(kResidualAttr, 1);
  EXPECT_THROW(run_node("NhwcConv", "com.wisp", {{x}, {w, true}, {}, {random_f32({1, 2, 4, 4}, 3)}}, res), Error);
  EXPECT_NO_THROW(run_node("NhwcConv", "com.wisp", {{x}, {w, true}, {}, {random_f32({1, 4, 4, 2}, 3)}}, res));
}

struct PoolCase {
  const char* name;
  Shape x;  // NCHW
  std::vector<int64_t> kernel, strides, pads, dilations;
  const char* auto_pad = nullptr;
  bool ceil_mode = false, count_include_pad = false;
};

Attributes pool_attrs(const PoolCase& c, bool average) {
  Attributes at;
  at.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (c.auto_pad) at.set_string("auto_pad", c.auto_pad);
  if (c.ceil_mode) at.set_int("ceil_mode", 1);
  if (average && c.count_include_pad) at.set_int("count_include_pad", 1);
  return at;
}

const PoolCase kPoolCases[] = {
    {.name = "3x3 stride 2 pad 1", .x = {1, 5, 7, 7}, .kernel = {3, 3}, .strides = {2, 2}, .pads = {1, 1, 1, 1}},
    {.name = "2x2 stride 2 batch 2", .x = {2, 3, 6, 8}, .kernel = {2, 2}, .strides = {2, 2}},
    {.name = "ceil_mode", .x = {1, 4, 8, 7}, .kernel = {3, 3}, .strides = {2, 2}, .ceil_mode = true},
    {.name = "ceil_mode + pads + count_include_pad", .x = {1, 3, 7, 6}, .kernel = {3, 2}, .strides = {2, 2},
     .pads = {1, 0, 1, 1}, .ceil_mode = true, .count_include_pad = true},
    {.name = "count_include_pad", .x = {1, 6, 5, 5}, .kernel = {3, 3}, .pads = {1, 1, 1, 1},
     .count_include_pad = true},
    {.name = "dilation 2", .x = {1, 3, 9, 9}, .kernel = {2, 3}, .strides = {1, 2}, .pads = {1, 0, 0, 1},
     .dilations = {2, 2}},
    {.name = "SAME_UPPER", .x = {1, 3, 7, 6}, .kernel = {3, 3}, .strides = {2, 2}, .auto_pad = "SAME_UPPER"},
    {.name = "SAME_LOWER", .x = {1, 3, 6, 6}, .kernel = {2, 2}, .auto_pad = "SAME_LOWER"},
    {.name = "VALID", .x = {1, 3, 6, 5}, .kernel = {3, 3}, .auto_pad = "VALID"},
};

TEST(NhwcPoolRef, MaxPoolMatchesNchwExactly) {
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE(c.name);
    const Tensor x = random_f32(c.x, 5);
    const Tensor expect = run_node("MaxPool", "", {{x}}, pool_attrs(c, false));
    const Tensor got = run_node("NhwcMaxPool", "com.wisp", {{to_nhwc(x)}}, pool_attrs(c, false));
    EXPECT_TRUE(tensors_near(to_nchw(got), expect, 0, 0));
  }
}

TEST(NhwcPoolRef, AveragePoolMatchesNchwExactly) {
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE(c.name);
    const Tensor x = random_f32(c.x, 6);
    const Tensor expect = run_node("AveragePool", "", {{x}}, pool_attrs(c, true));
    const Tensor got = run_node("NhwcAveragePool", "com.wisp", {{to_nhwc(x)}}, pool_attrs(c, true));
    EXPECT_TRUE(tensors_near(to_nchw(got), expect, 0, 0));
  }
}

TEST(NhwcPoolRef, MaxPoolInt8AndHandComputed) {
  // NHWC [1, 2, 2, 2]: channel 0 = [1, 5, -3, 2], channel 1 = [-1, -7, 4, 0].
  const Tensor x = Tensor::from<int8_t>({1, 2, 2, 2}, {1, -1, 5, -7, -3, 4, 2, 0});
  Attributes at;
  at.set_ints("kernel_shape", {2, 2});
  EXPECT_TRUE(tensors_near(run_node("NhwcMaxPool", "com.wisp", {{x}}, at), Tensor::from<int8_t>({1, 1, 1, 2}, {5, 4})));
  at.set_int("storage_order", 1);
  EXPECT_THROW(run_node("NhwcMaxPool", "com.wisp", {{x}}, at), Error);
}

TEST(NhwcPoolRef, GlobalAveragePoolMatchesNchwExactly) {
  for (const Shape& s : {Shape{1, 7, 5, 6}, Shape{2, 3, 1, 1}, Shape{2, 16, 7, 7}}) {
    const Tensor x = random_f32(s, 7);
    const Tensor expect = run_node("GlobalAveragePool", "", {{x}}, {});
    const Tensor got = run_node("NhwcGlobalAveragePool", "com.wisp", {{to_nhwc(x)}}, {});
    ASSERT_EQ(got.shape(), (Shape{s[0], 1, 1, s[1]}));
    EXPECT_TRUE(tensors_near(to_nchw(got), expect, 0, 0));
  }
  EXPECT_THROW(run_node("NhwcGlobalAveragePool", "com.wisp", {{random_f32({1, 2, 3}, 1)}}, {}), Error);
}

}  // namespace
}  // namespace wisp
