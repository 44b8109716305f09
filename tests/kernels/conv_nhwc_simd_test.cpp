// The x86 NhwcConv kernels (indirect GEMM, conv_nhwc_f32_driver.hpp) against the NCHW
// reference Conv run on transposed data, called directly, for AVX-512 and AVX2: input and
// output channel counts below, at and above the vector width and the NR panel (1, 3, 15,
// 16, 17, 31, 32, 33, 64+), positions below, at and above the MR tile (AVX-512 8, AVX2 6)
// and several units of positions; 1x1 stride 1 (the plain GEMM), 1x1 stride 2, 3x3 stride
// 1 and 2, the 7x7 stride-2 stem with 3 channels, dilation, asymmetric and oversized
// padding; K in one block, in blocks of whole taps (C = 64) and in slices of one tap
// (C = 300, 512); small maps split into position and panel blocks (7x7, 14x14 with 80 to
// 1280 channels); bias or none, residual, every fused activation; batch 2; W packed once
// or per call (non-constant W); Y sharing the residual's memory. Results must also be
// bit-identical for 1, 2 and 3 threads.
//
// Tolerance: |got - want| <= 2e-5 * S + 1e-5, S the same conv on absolute values (bias and
// residual included): float rounding in another summation order plus the vector
// activations' few ulp; a missing or wrong tap or channel moves a value by ~|w x| ~ 0.25 S/K.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "ir/ops/epilogue_attrs.hpp"
// GCC 12 reports a false -Wrestrict in std::operator+("x", std::to_string(i)) of
// run_node (nhwc_test_util.hpp) once inlined here (a known GCC 12 bug).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include "kernels/nhwc_test_util.hpp"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include "kernels/kernel_registry.hpp"
#include "kernels/nhwc_conv_test_util.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

struct Case {
  int64_t n, h, w, c, m, kh, kw;
  std::vector<int64_t> strides, pads, dilations;
  bool bias = true;
  ref::EpilogueAct act = ref::EpilogueAct::kNone;
  float alpha = 0, beta = 0;
  bool residual = false;
};

std::string describe(const Case& c) {
  return "N=" + std::to_string(c.n) + " H=" + std::to_string(c.h) + " W=" + std::to_string(c.w) +
         " C=" + std::to_string(c.c) + " M=" + std::to_string(c.m) + " k=" + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " act=" + std::to_string(int(c.act)) + (c.residual ? " residual" : "") +
         (c.bias ? "" : " no bias");
}

ref::ConvParams params_of(const Case& c) {
  ref::WindowAttrs attrs;
  attrs.kernel = {c.kh, c.kw};
  attrs.strides = c.strides;
  attrs.pads = c.pads;
  attrs.dilations = c.dilations;
  ref::ConvParams p;
  p.geo = ref::window_geometry({c.h, c.w}, attrs);
  p.batch = c.n;
  p.in_channels = c.c;
  p.out_channels = c.m;
  p.has_bias = c.bias;
  p.has_residual = c.residual;
  p.epilogue = {c.act, c.alpha, c.beta};
  p.w_constant = true;
  return p;
}

using test::abs_of;
using test::permute;
using test::reference_nhwc;

struct Inputs {
  Tensor x, w, b, r;
};

Inputs make_inputs(const Case& c, const ref::ConvParams& p) {
  Inputs in;
  in.x = test::random_f32(Shape{c.n, c.h, c.w, c.c}, 11);
  in.w = test::random_f32(Shape{c.m, c.c, c.kh, c.kw}, 12);
  in.b = test::random_f32(Shape{c.m}, 13);
  if (c.residual) in.r = test::random_f32(Shape{c.n, p.geo.out[1], p.geo.out[2], c.m}, 14);
  return in;
}

std::vector<const Tensor*> input_list(const Case& c, const Inputs& in) {
  std::vector<const Tensor*> v{&in.x, &in.w, c.bias ? &in.b : nullptr};
  if (c.residual) v.push_back(&in.r);
  return v;
}

::testing::AssertionResult close(const Tensor& got, const Tensor& want, const Tensor& scale) {
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape differs";
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.as<float>()[i], w = want.as<float>()[i];
    const double tol = 2e-5 * scale.as<float>()[i] + 1e-5;
    if (!(std::fabs(g - w) <= tol))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w << " (tol "
                                           << tol << ")";
  }
  return ::testing::AssertionSuccess();
}

// The kernel registered for exactly `isa`, or a skip reason.
KernelFn variant(Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("com.wisp", "NhwcConv", DType::kF32, isa);
  if (fn == nullptr || fn == find_kernel("com.wisp", "NhwcConv", DType::kF32, Isa::kPortable)) {
    why_not = std::string("no NhwcConv kernel for ") + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

std::vector<Case> cases() {
  using A = ref::EpilogueAct;
  std::vector<Case> v = {
      // 1x1 stride 1, unpadded: the plain GEMM. Positions 1, 6, 7, 8, 9, 63, 400 (two units).
      {1, 7, 9, 16, 33, 1, 1, {}, {}, {}},
      {1, 1, 1, 1, 1, 1, 1, {}, {}, {}},
      {1, 2, 4, 3, 15, 1, 1, {}, {}, {}},
      {1, 3, 3, 17, 16, 1, 1, {}, {}, {}},
      {1, 1, 6, 31, 17, 1, 1, {}, {}, {}},
      {1, 1, 7, 32, 31, 1, 1, {}, {}, {}},
      {1, 5, 5, 33, 32, 1, 1, {}, {}, {}},
      {2, 9, 9, 64, 64, 1, 1, {}, {}, {}, true, A::kRelu},
      {1, 5, 5, 300, 24, 1, 1, {}, {}, {}},                     // K in 2 slices of 150
      {1, 3, 3, 512, 100, 1, 1, {}, {}, {}},                    // K in 2 slices of 256
      {2, 20, 20, 8, 70, 1, 1, {}, {}, {}, false},              // 400 positions: 2 units
      {2, 12, 12, 6, 10, 1, 1, {2, 2}, {}, {}},                 // 1x1 stride 2
      // KxK.
      {1, 7, 9, 15, 33, 3, 3, {1, 1}, {1, 1, 1, 1}, {}},
      {2, 8, 8, 64, 64, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, A::kRelu, 0, 0, true},  // 3 blocks of 3 taps
      {1, 9, 9, 17, 31, 3, 3, {2, 2}, {1, 1, 1, 1}, {}},
      {1, 9, 10, 16, 3, 3, 3, {2, 2}, {0, 0, 0, 0}, {}},       // 3x3 stride 2 unpadded
      {1, 40, 70, 3, 64, 7, 7, {2, 2}, {3, 3, 3, 3}, {}, true, A::kRelu},  // the stem: 700 positions
      {1, 11, 11, 5, 17, 3, 3, {1, 1}, {2, 2, 2, 2}, {2, 2}},  // dilation 2
      {1, 6, 6, 5, 17, 3, 3, {1, 1}, {1, 0, 2, 1}, {}, false},  // asymmetric pads, no bias
      {1, 5, 5, 2, 3, 3, 3, {1, 1}, {3, 3, 3, 3}, {}},         // rows of only padding
      {1, 5, 5, 1, 1, 3, 3, {1, 1}, {1, 1, 1, 1}, {}},
      {1, 4, 4, 512, 40, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, A::kNone, 0, 0, true},  // one tap per block
      {1, 7, 7, 96, 130, 3, 3, {1, 1}, {1, 1, 1, 1}, {}},      // 49 positions, M past 4 panels
      {1, 6, 5, 3, 8, 2, 3, {1, 2}, {0, 1, 1, 0}, {1, 2}},     // non-square everything
      // Small maps cut into position x panel blocks on 2 and 3 threads (nhwc_conv_split):
      // mnasnet's 14x14 projection (3 panels, the last half), its 7x7 expansion and head,
      // an odd tile count with a residual, batch 2 with a masked last panel.
      {1, 14, 14, 480, 80, 1, 1, {}, {}, {}},
      {1, 7, 7, 192, 1152, 1, 1, {}, {}, {}, true, A::kRelu},
      {1, 7, 7, 320, 1280, 1, 1, {}, {}, {}, true, A::kRelu},
      {1, 7, 7, 1152, 192, 1, 1, {}, {}, {}, true, A::kNone, 0, 0, true},
      {2, 7, 7, 40, 45, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, A::kSilu},
      {1, 5, 9, 24, 100, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, A::kClip, 0.0f, 6.0f, true},
      {9, 3, 5, 20, 40, 1, 1, {}, {}, {}},  // 9 images of one tile: position blocks rounded up
  };
  // Every fused activation, on a shape with tails in both dimensions (P = 81, M = 40).
  const std::vector<std::tuple<A, float, float>> acts = {
      {A::kRelu, 0, 0},  {A::kClip, -0.5f, 0.7f},       {A::kLeakyRelu, 0.1f, 0}, {A::kSigmoid, 0, 0},
      {A::kHardSigmoid, 0.2f, 0.5f}, {A::kHardSwish, 1.0f / 6, 0.5f}, {A::kTanh, 0, 0}, {A::kSilu, 0, 0},
      {A::kGelu, 0, 0},  {A::kGeluTanh, 0, 0}};
  for (const auto& [act, alpha, beta] : acts) v.push_back({1, 9, 9, 8, 40, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, act, alpha, beta});
  // Residual without bias, with SiLU; residual on a 1x1 with Clip over two units.
  v.push_back({2, 5, 7, 13, 20, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, false, A::kNone, 0, 0, true});
  v.push_back({1, 9, 9, 33, 17, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, A::kSilu, 0, 0, true});
  v.push_back({1, 17, 17, 20, 48, 1, 1, {}, {}, {}, true, A::kClip, 0.0f, 6.0f, true});
  return v;
}

class NhwcConvSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(NhwcConvSimd, MatchesReferenceAndIsBitIdenticalForAnyThreadCount) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool pool2(2), pool3(3);
  for (const Case& c : cases()) {
    SCOPED_TRACE(describe(c));
    const ref::ConvParams p = params_of(c);
    const Inputs in = make_inputs(c, p);
    const Shape ys{c.n, p.geo.out[1], p.geo.out[2], c.m};
    const Tensor want = reference_nhwc(p, in.x, in.w, c.bias ? &in.b : nullptr, c.residual ? &in.r : nullptr);
    ref::ConvParams pa = p;
    pa.epilogue = {};
    const Tensor ax = abs_of(in.x), aw = abs_of(in.w), ab = abs_of(in.b), ar = c.residual ? abs_of(in.r) : Tensor();
    const Tensor scale = reference_nhwc(pa, ax, aw, c.bias ? &ab : nullptr, c.residual ? &ar : nullptr);
    const Tensor one = test::call_kernel1(fn, &p, input_list(c, in), ys);
    ASSERT_TRUE(close(one, want, scale));
    ASSERT_NE(p.packed_w, nullptr) << "a constant W is packed once and kept";
    for (ThreadPool* pool : {&pool2, &pool3}) {
      const Tensor many = test::call_kernel1(fn, &p, input_list(c, in), ys, pool);
      ASSERT_EQ(std::memcmp(many.data(), one.data(), static_cast<size_t>(one.bytes())), 0)
          << pool->threads() << " threads";
    }
  }
}

// A kernel whose taps x MR row pointers do not fit the unit's table (23 x 23 = 529 taps)
// goes to the reference kernel and still gives its values.
TEST_P(NhwcConvSimd, LargeKernelsGoToTheReference) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  const Case c{1, 25, 26, 20, 5, 23, 23, {1, 1}, {1, 0, 0, 1}, {}, true, ref::EpilogueAct::kRelu};
  const ref::ConvParams p = params_of(c);
  const Inputs in = make_inputs(c, p);
  const Shape ys{1, p.geo.out[1], p.geo.out[2], 5};
  const Tensor want = reference_nhwc(p, in.x, in.w, &in.b, nullptr);
  ref::ConvParams pa = p;
  pa.epilogue = {};
  const Tensor ab = abs_of(in.b), scale = reference_nhwc(pa, abs_of(in.x), abs_of(in.w), &ab, nullptr);
  EXPECT_TRUE(close(test::call_kernel1(fn, &p, input_list(c, in), ys), want, scale));
}

// A non-constant W is packed into the scratch on every call (the cache stays empty) and
// gives the same bits as the cached packing; a second W in another buffer is not served
// from a stale cache.
TEST_P(NhwcConvSimd, PacksNonConstantWeightsIntoScratch) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  const Case c{1, 9, 9, 20, 37, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, ref::EpilogueAct::kRelu};
  ref::ConvParams p = params_of(c);
  const Inputs in = make_inputs(c, p);
  const Shape ys{1, 9, 9, 37};
  const Tensor cached = test::call_kernel1(fn, &p, input_list(c, in), ys);
  ref::ConvParams q = params_of(c);
  q.w_constant = false;
  const int64_t scratch_bytes = (64 * 20 * 9 + 64) * 4;  // channels rounded up to 64 (2 AVX-512 panels), + alignment
  std::vector<float> scratch(static_cast<size_t>(scratch_bytes / 4));
  std::vector<const TensorView*> ins;
  std::vector<TensorView> views;
  views.reserve(3);
  for (const Tensor* t : input_list(c, in)) ins.push_back(&views.emplace_back(t->view()));
  Tensor y(DType::kF32, ys);
  TensorView yv = y.view();
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &q, ins, outs, scratch.data(), scratch_bytes, nullptr, nullptr};
  fn(args);
  EXPECT_EQ(q.packed_w, nullptr);
  EXPECT_EQ(std::memcmp(y.data(), cached.data(), static_cast<size_t>(y.bytes())), 0);
  // Another W through the cached params: repacked, matches the reference.
  Inputs in2 = in;
  in2.w = test::random_f32(Shape{c.m, c.c, c.kh, c.kw}, 99);
  const Tensor want2 = reference_nhwc(p, in2.x, in2.w, &in2.b, nullptr);
  const Tensor got2 = test::call_kernel1(fn, &p, input_list(c, in2), ys);
  for (int64_t i = 0; i < want2.numel(); ++i) ASSERT_NEAR(got2.as<float>()[i], want2.as<float>()[i], 1e-3) << i;
  EXPECT_NE(std::memcmp(got2.data(), cached.data(), static_cast<size_t>(y.bytes())), 0);
}

// Y may be the residual's own buffer (the planner lets Y take over r when r dies here):
// with K in several blocks the residual must be read before the first partial sum lands.
TEST_P(NhwcConvSimd, OutputMayShareTheResidualBuffer) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  for (int64_t channels : {64, 300}) {  // blocks of whole taps; slices of one tap
    const Case c{1, 6, 7, channels, 40, 3, 3, {1, 1}, {1, 1, 1, 1}, {}, true, ref::EpilogueAct::kRelu, 0, 0, true};
    const ref::ConvParams p = params_of(c);
    const Inputs in = make_inputs(c, p);
    const Tensor separate = test::call_kernel1(fn, &p, input_list(c, in), Shape{1, 6, 7, 40});
    Tensor shared = Tensor::copy_of(in.r.view());
    TensorView xv = in.x.view(), wv = in.w.view(), bv = in.b.view(), sv = shared.view();
    const TensorView* ins[] = {&xv, &wv, &bv, &sv};
    TensorView* outs[] = {&sv};
    KernelArgs args{nullptr, &p, ins, outs, nullptr, 0, nullptr, nullptr};
    fn(args);
    EXPECT_EQ(std::memcmp(shared.data(), separate.data(), static_cast<size_t>(shared.bytes())), 0) << "C=" << channels;
  }
}

// Through a Session (the op's infer sizes the scratch with ref::nhwc_conv_scratch_bytes):
// W a constant (packed once) or a graph input (packed into the scratch on every run), the
// residual a graph input that dies here (Y may take over its buffer), 1 and 3 threads;
// against the NHWC reference kernel.
TEST_P(NhwcConvSimd, SessionMatchesReferenceWithConstantAndRuntimeWeights) {
  std::string why;
  if (!variant(GetParam(), why)) GTEST_SKIP() << why;
  Attributes at;
  at.set_ints("strides", {2, 1});
  at.set_ints("pads", {1, 2, 1, 0});
  at.set_string(kActivationAttr, "HardSwish");
  at.set_float(kActivationAlphaAttr, 1.0f / 6);
  at.set_float(kActivationBetaAttr, 0.5f);
  at.set_int(kResidualAttr, 1);
  for (int64_t channels : {3, 40}) {  // the small-C patch path; the row table
    const Tensor x = test::random_f32(Shape{2, 11, 9, channels}, 1), w = test::random_f32(Shape{37, channels, 3, 3}, 2);
    const Tensor b = test::random_f32(Shape{37}, 3), r = test::random_f32(Shape{2, 6, 9, 37}, 4);
    for (bool w_constant : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "C=" << channels << (w_constant ? " constant W" : " W an input"));
      const std::vector<test::NodeInput> ins{{x}, {w, w_constant}, {b, true}, {r}};
      const Tensor want = test::run_node("NhwcConv", "com.wisp", ins, at, Isa::kRef, 1);
      ASSERT_EQ(want.shape(), (Shape{2, 6, 9, 37}));
      const Tensor one = test::run_node("NhwcConv", "com.wisp", ins, at, GetParam(), 1);
      EXPECT_TRUE(test::tensors_near(one, want, 1e-5, 1e-5));
      const Tensor three = test::run_node("NhwcConv", "com.wisp", ins, at, GetParam(), 3);
      EXPECT_EQ(std::memcmp(three.data(), one.data(), static_cast<size_t>(one.bytes())), 0);
    }
  }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }
INSTANTIATE_TEST_SUITE_P(AllIsas, NhwcConvSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
