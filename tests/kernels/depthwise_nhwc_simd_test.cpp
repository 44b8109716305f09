// The x86 NhwcDepthwiseConv kernels (depthwise_conv_nhwc_f32_*.cpp) for AVX2 and AVX-512
// against the reference: the ONNX Conv (group = C) run by a reference Session on the NCHW
// input, transposed to NHWC. The kernel is called directly with the ConvParams the op's
// infer fills, so every geometry is reachable. Tolerance: |got - want| <= 1e-5 + 1e-5 |want|
// (another summation order than the reference's, and the vectorised exp of Sigmoid/SiLU
// at ~1e-6 relative); a missing or wrong tap is off by ~0.1 or more. Every case also runs
// on 2 and 3 threads, bit-identical to 1.
//
// Covered: channels below, at and above the vector widths (1..33, 96, 144: full blocks,
// masked tails); planes smaller than the kernel (all border), 7, 14 and odd sizes; 3x3
// and 5x5 (the compile-time paths) and other shapes (the generic path) at strides 1, 2,
// 3; symmetric and asymmetric pads; dilation 2; no bias; batch 2; every activation the
// zoo fuses; the fused residual; odd row counts (5, 7, 9, 13) that 2 or 3 threads cut
// into channel groups (up to 1152 channels, exp activations applied per group).
// GCC 12 reports a false -Wrestrict in std::string's char_traits once test::run_node's
// "x" + std::to_string(i) is inlined here (its location is the library header, so the
// pragma has to come before every include).
#pragma GCC diagnostic ignored "-Wrestrict"
// aarch64 GCC 12 likewise reports a false -Warray-bounds in std::vector<NodeInput>'s
// growth (push_back after an initializer list, ThroughSessionWithFallbacks).
#pragma GCC diagnostic ignored "-Warray-bounds"
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <vector>

#include "ir/ops/epilogue_attrs.hpp"
#include "kernels/nhwc_simd_test_util.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

struct DwCase {
  int64_t n, c, h, w;
  int64_t kh, kw;
  std::vector<int64_t> strides, pads, dilations;
  bool bias = true;
  const char* act = nullptr;
  float alpha = 0, beta = 0;
  bool residual = false;
};

// GCC 12 gives a false -Wrestrict on chains of std::string + std::to_string: a stream.
std::string describe(const DwCase& c) {
  std::ostringstream s;
  s << "x [" << c.n << "," << c.c << "," << c.h << "," << c.w << "] k " << c.kh << "x" << c.kw;
  auto list = [&](const char* name, const std::vector<int64_t>& v) {
    s << " " << name;
    for (int64_t x : v) s << " " << x;
  };
  list("strides", c.strides);
  list("pads", c.pads);
  list("dilations", c.dilations);
  if (c.act) s << " act " << c.act;
  if (c.residual) s << " residual";
  return s.str();
}

struct DwData {
  Tensor x_nchw, w, b, r_nchw;
  Attributes attrs;
};

DwData make_data(const DwCase& c, const ref::WindowGeometry& g) {
  DwData d;
  d.x_nchw = test::random_f32(Shape{c.n, c.c, c.h, c.w}, 1);
  d.w = test::random_f32(Shape{c.c, 1, c.kh, c.kw}, 2);
  d.b = test::random_f32(Shape{c.c}, 3);
  d.r_nchw = test::random_f32(Shape{c.n, c.c, g.out[1], g.out[2]}, 4);
  Attributes& at = d.attrs;
  at.set_int("group", c.c);
  at.set_ints("kernel_shape", {c.kh, c.kw});
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (c.act) {
    at.set_string(kActivationAttr, c.act);
    at.set_float(kActivationAlphaAttr, c.alpha);
    at.set_float(kActivationBetaAttr, c.beta);
  }
  if (c.residual) at.set_int(kResidualAttr, 1);
  return d;
}

ref::WindowGeometry geometry(const DwCase& c) {
  ref::WindowAttrs wa;
  wa.kernel = {c.kh, c.kw};
  wa.strides = c.strides;
  wa.pads = c.pads;
  wa.dilations = c.dilations;
  return ref::window_geometry({c.h, c.w}, wa);
}

void check_cases(const std::vector<DwCase>& cases) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  ThreadPool pools[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
  for (const DwCase& c : cases) {
    SCOPED_TRACE(describe(c));
    const ref::WindowGeometry g = geometry(c);
    const DwData d = make_data(c, g);
    std::vector<Tensor> constants;
    constants.push_back(d.w);
    if (c.bias) constants.push_back(d.b);
    if (c.residual) {
      if (!c.bias) constants.push_back(Tensor(DType::kF32, Shape{c.c}));  // zero bias: the residual is input 3
      constants.push_back(d.r_nchw);
    }
    const Tensor want = test::to_nhwc(test::run_window_op("Conv", d.x_nchw, constants, d.attrs, 1, Isa::kRef, 1).at(0));
    const Tensor x = test::to_nhwc(d.x_nchw), r = test::to_nhwc(d.r_nchw);
    ref::ConvParams p;
    p.geo = g;
    p.batch = c.n;
    p.in_channels = p.out_channels = p.group = c.c;
    p.has_bias = c.bias;
    if (c.act) p.epilogue = ref::Epilogue{epilogue_act_of(c.act), c.alpha, c.beta};
    p.has_residual = c.residual;
    p.w_constant = true;
    const Shape out{c.n, g.out[1], g.out[2], c.c};
    for (Isa isa : isas) {
      SCOPED_TRACE(isa_name(isa));
      std::string why;
      KernelFn fn = test::nhwc_variant("NhwcDepthwiseConv", isa, why);
      ASSERT_NE(fn, nullptr) << why;
      std::vector<const Tensor*> ins;
      ins.push_back(&x);
      ins.push_back(&d.w);
      ins.push_back(c.bias ? &d.b : nullptr);
      if (c.residual) ins.push_back(&r);
      p.packed_w.reset();
      const Tensor one = test::call_kernel1(fn, &p, ins, out, &pools[0]);
      ASSERT_TRUE(test::tensors_near(one, want, 1e-5, 1e-5));
      ASSERT_TRUE(p.packed_w != nullptr) << "the fast path did not run (no packed filter cached)";
      for (int t : {1, 2}) ASSERT_TRUE(test::bit_identical(test::call_kernel1(fn, &p, ins, out, &pools[t]), one));
    }
  }
}

TEST(DepthwiseNhwcSimd, ChannelsAndPlaneSizes) {
  std::vector<DwCase> cases;
  const int64_t channels[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 96, 144};
  const int64_t planes[][2] = {{1, 1}, {2, 3}, {3, 2}, {7, 7}, {14, 14}, {9, 13}};
  for (int64_t c : channels)
    for (const auto& hw : planes)
      for (int64_t k : {3, 5})
        for (int64_t s : {1, 2}) {
          if (c >= 96 && hw[0] == 14 && k == 5) continue;  // enough big ones
          cases.push_back({1, c, hw[0], hw[1], k, k, {s, s}, {k / 2, k / 2, k / 2, k / 2}});
        }
  check_cases(cases);
}

TEST(DepthwiseNhwcSimd, PadsStridesDilationsShapes) {
  const std::vector<DwCase> cases = {
      {1, 17, 9, 19, 3, 3, {1, 1}, {0, 1, 2, 0}},  // asymmetric pads
      {1, 17, 9, 19, 3, 3, {2, 2}, {2, 0, 1, 2}},
      {1, 24, 10, 20, 3, 3, {2, 2}, {0, 0, 1, 1}},  // TF-style SAME, stride 2
      {1, 33, 8, 8, 3, 3, {1, 1}, {0, 0, 0, 0}},    // no pads: all interior
      {1, 33, 11, 12, 5, 5, {2, 2}, {1, 2, 2, 1}},
      {1, 20, 12, 23, 5, 5, {1, 1}, {0, 0, 0, 0}},
      {1, 16, 13, 30, 3, 3, {1, 1}, {2, 2, 2, 2}, {2, 2}},  // dilation 2
      {1, 9, 13, 30, 3, 3, {2, 2}, {2, 1, 2, 1}, {1, 2}},
      {1, 19, 15, 16, 5, 5, {1, 1}, {4, 4, 4, 4}, {2, 2}},
      {1, 2, 5, 5, 3, 3, {1, 1}, {3, 3, 3, 3}},  // pads wider than the kernel: empty windows
      {1, 23, 9, 21, 7, 7, {1, 1}, {3, 3, 3, 3}},  // generic path
      {1, 23, 9, 21, 1, 3, {1, 2}, {0, 1, 0, 1}},
      {1, 23, 9, 21, 3, 1, {1, 1}, {1, 0, 1, 0}},
      {1, 10, 9, 33, 2, 2, {2, 2}, {}},
      {1, 18, 11, 29, 3, 3, {2, 1}, {1, 1, 1, 1}},  // row stride 2, column stride 1
      {1, 18, 11, 29, 3, 3, {1, 2}, {1, 1, 1, 1}},
      {1, 40, 5, 20, 3, 3, {3, 3}, {1, 1, 1, 1}},   // stride 3
      {1, 12, 5, 20, 4, 6, {3, 2}, {2, 1, 0, 3}, {2, 1}},
  };
  check_cases(cases);
}

TEST(DepthwiseNhwcSimd, BatchBiasActivationsResidual) {
  const std::vector<DwCase> cases = {
      {2, 33, 9, 17, 3, 3, {1, 1}, {1, 1, 1, 1}},
      {2, 24, 9, 18, 5, 5, {2, 2}, {2, 2, 2, 2}, {}, false},
      {1, 17, 7, 7, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, false},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Relu"},
      {1, 40, 9, 13, 3, 3, {2, 2}, {1, 1, 1, 1}, {}, true, "Clip", 0.0f, 6.0f},
      {1, 40, 9, 13, 5, 5, {1, 1}, {2, 2, 2, 2}, {}, true, "HardSwish", 1.0f / 6, 0.5f},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "HardSigmoid", 0.2f, 0.5f},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "LeakyRelu", 0.1f},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Sigmoid"},
      {1, 40, 9, 13, 5, 5, {2, 2}, {2, 2, 2, 2}, {}, true, "Tanh"},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Silu"},
      {2, 25, 9, 13, 5, 5, {2, 2}, {2, 2, 2, 2}, {}, true, "Silu"},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Gelu"},
      {1, 40, 9, 13, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, nullptr, 0, 0, true},  // residual
      {2, 19, 9, 13, 3, 3, {2, 2}, {1, 1, 1, 1}, {}, true, "Relu", 0, 0, true},
      {1, 21, 7, 7, 5, 5, {1, 1}, {2, 2, 2, 2}, {}, true, "HardSwish", 1.0f / 6, 0.5f, true},
      // Rows cut into channel groups on 2 and 3 threads (dw_channel_groups): mnasnet's 7x7
      // stage, the exp activations over a group's channels only, a masked last vector.
      {1, 1152, 7, 7, 5, 5, {1, 1}, {2, 2, 2, 2}, {}, true, "Relu"},
      {1, 1152, 7, 7, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, nullptr, 0, 0, true},
      {1, 57, 7, 9, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Silu"},
      {1, 57, 5, 9, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, "Tanh", 0, 0, true},
      {1, 100, 13, 5, 3, 3, {2, 2}, {1, 1, 1, 1}, {}, true, "Gelu"},
  };
  check_cases(cases);
}

// Through a Session (the op's infer fills the params): the fast path with a residual fed as
// a graph input; and the cases the x86 kernel hands to the reference NHWC kernel (channel
// multiplier 2, a filter that is a graph input, not a constant), which must still match.
TEST(DepthwiseNhwcSimd, ThroughSessionWithFallbacks) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  struct SessionCase {
    int64_t c, multiplier;
    bool w_constant, residual;
  };
  for (const SessionCase& sc : {SessionCase{33, 1, true, true}, SessionCase{17, 2, true, false},
                                SessionCase{24, 1, false, false}}) {
    SCOPED_TRACE(testing::Message() << "C " << sc.c << " multiplier " << sc.multiplier << " w_constant "
                                    << sc.w_constant << " residual " << sc.residual);
    const int64_t m = sc.c * sc.multiplier;
    Attributes at;
    at.set_int("group", sc.c);
    at.set_ints("kernel_shape", {3, 3});
    at.set_ints("strides", {2, 2});
    at.set_ints("pads", {1, 1, 1, 1});
    at.set_string(kActivationAttr, "HardSwish");
    at.set_float(kActivationAlphaAttr, 1.0f / 6);
    at.set_float(kActivationBetaAttr, 0.5f);
    std::vector<test::NodeInput> ins{{test::random_f32(Shape{2, 11, 9, sc.c}, 1, -3.0f, 3.0f)},
                                     {test::random_f32(Shape{m, 1, 3, 3}, 2), sc.w_constant},
                                     {test::random_f32(Shape{m}, 3), true}};
    if (sc.residual) {
      at.set_int(kResidualAttr, 1);
      ins.push_back({test::random_f32(Shape{2, 6, 5, m}, 4)});
    }
    const Tensor want = test::run_node("NhwcDepthwiseConv", "com.wisp", ins, at, Isa::kRef, 1);
    ASSERT_EQ(want.shape(), (Shape{2, 6, 5, m}));
    for (Isa isa : isas) {
      SCOPED_TRACE(isa_name(isa));
      const Tensor one = test::run_node("NhwcDepthwiseConv", "com.wisp", ins, at, isa, 1);
      ASSERT_TRUE(test::tensors_near(one, want, 1e-5, 1e-5));
      for (int threads : {2, 3})
        ASSERT_TRUE(test::bit_identical(test::run_node("NhwcDepthwiseConv", "com.wisp", ins, at, isa, threads), one));
    }
  }
}

}  // namespace
}  // namespace wisp
