// The x86 Winograd F(2x2, 3x3) NhwcConv (conv_nhwc_winograd_f32_driver.hpp) against the
// NCHW reference Conv run on transposed data, for AVX-512 and AVX2, through the registered
// NhwcConv kernel given the scratch ref::nhwc_conv_scratch_bytes asks for (the test checks
// that the Winograd packing was the one cached, so the direct conv cannot stand in for it):
// H / W even and odd, maps smaller than one 2x2 tile (batches large enough for
// kNhwcWinogradMinTiles), pads 1, 0 and asymmetric, C and M
// at, below and past the vector width and the NR panel, K in two slices (C = 300, 512),
// several tile blocks and tile blocks spanning two images (batch 2), bias or none,
// residual, every fused activation, Y sharing the residual's memory. Results must be
// bit-identical for 1, 2 and 3 threads (3 threads split M panels on the 7x7 maps).
//
// Tolerance: |got - want| <= 1e-5 * S + 1e-5, S the same conv on absolute values (bias and
// residual included). F(2,3)'s transforms add and halve a few terms of the same size, so
// its rounding error stays a few ulp of S; the absolute term covers the vector
// activations' ulp. A wrong transform coefficient moves a value by ~|w x|, ~0.1 S / (9 C).
// x86 only: the Winograd entry points live in src/kernels/x86, which other builds leave out.
#if defined(__x86_64__) || defined(_M_X64)
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/nhwc_conv_test_util.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/conv_nhwc.hpp"
#include "kernels/x86/conv_nhwc_winograd_f32.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using A = ref::EpilogueAct;

struct Case {
  int64_t n, h, w, c, m;
  std::vector<int64_t> pads;  // h_begin, w_begin, h_end, w_end
  bool bias = true;
  A act = A::kNone;
  float alpha = 0, beta = 0;
  bool residual = false;
};

std::string describe(const Case& c) {
  return "N=" + std::to_string(c.n) + " H=" + std::to_string(c.h) + " W=" + std::to_string(c.w) +
         " C=" + std::to_string(c.c) + " M=" + std::to_string(c.m) + " pads=" + std::to_string(c.pads[0]) +
         std::to_string(c.pads[1]) + std::to_string(c.pads[2]) + std::to_string(c.pads[3]) +
         " act=" + std::to_string(int(c.act)) + (c.residual ? " residual" : "") + (c.bias ? "" : " no bias");
}

ref::ConvParams params_of(const Case& c) {
  ref::WindowAttrs attrs;
  attrs.kernel = {3, 3};
  attrs.strides = {1, 1};
  attrs.pads = c.pads;
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
  in.x = test::random_f32(Shape{c.n, c.h, c.w, c.c}, 21);
  in.w = test::random_f32(Shape{c.m, c.c, 3, 3}, 22);
  in.b = test::random_f32(Shape{c.m}, 23);
  if (c.residual) in.r = test::random_f32(Shape{c.n, p.geo.out[1], p.geo.out[2], c.m}, 24);
  return in;
}

// Runs `fn` with the scratch the op requests for `threads` threads; Y may be given (in
// place over the residual).
void run_kernel(KernelFn fn, Isa isa, const ref::ConvParams& p, const Case& c, const Inputs& in, Tensor& y, const Tensor* r,
                ThreadPool* pool, int threads) {
  const int64_t bytes = ref::nhwc_conv_scratch_bytes(p, isa, threads);
  std::vector<float> scratch(static_cast<size_t>(bytes / 4 + 1));
  TensorView xv = in.x.view(), wv = in.w.view(), bv = in.b.view(), rv = r ? r->view() : TensorView();
  std::vector<const TensorView*> ins{&xv, &wv, c.bias ? &bv : nullptr};
  if (c.residual) ins.push_back(&rv);
  TensorView yv = y.view();
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), bytes, nullptr, pool};
  fn(args);
}

::testing::AssertionResult close(const Tensor& got, const Tensor& want, const Tensor& scale) {
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.as<float>()[i], w = want.as<float>()[i];
    const double tol = 1e-5 * scale.as<float>()[i] + 1e-5;
    if (!(std::fabs(g - w) <= tol))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w << " (tol "
                                           << tol << ")";
  }
  return ::testing::AssertionSuccess();
}

std::vector<Case> cases() {
  std::vector<Case> v = {
      {2, 8, 8, 32, 32, {1, 1, 1, 1}},                           // even map, one panel (AVX-512)
      {2, 7, 9, 33, 40, {1, 1, 1, 1}},                           // odd H and W, C and M tails
      {32, 1, 1, 32, 32, {1, 1, 1, 1}},                          // smaller than a tile: 1x1 output
      {16, 2, 3, 40, 35, {1, 1, 1, 1}, false},                    // 2x3 output, no bias
      {32, 3, 4, 35, 33, {0, 0, 0, 0}},                           // pad 0: 1x2 output
      {3, 9, 8, 32, 48, {0, 0, 0, 0}, true, A::kRelu},           // pad 0: 7x6 output
      {4, 6, 5, 48, 70, {1, 0, 2, 1}, true, A::kNone, 0, 0, true},  // asymmetric pads: 7x4 output
      {3, 5, 7, 32, 48, {1, 1, 1, 1}},                           // one tile block over three images
      {1, 14, 14, 64, 64, {1, 1, 1, 1}, true, A::kRelu, 0, 0, true},  // 49 tiles: 2 blocks of 48
      {4, 5, 5, 300, 36, {1, 1, 1, 1}},                          // K in 2 slices of 150
      {2, 7, 7, 512, 64, {1, 1, 1, 1}, true, A::kRelu, 0, 0, true},  // K in 2 slices of 256, 4 blocks
      {2, 7, 7, 96, 130, {1, 1, 1, 1}},                          // M past 4 panels
      {2, 12, 11, 32, 32, {1, 1, 1, 1}, true, A::kRelu},         // 2 images x 36 tiles
  };
  const std::vector<std::tuple<A, float, float>> acts = {
      {A::kClip, -0.5f, 0.7f},      {A::kLeakyRelu, 0.1f, 0},         {A::kSigmoid, 0, 0}, {A::kHardSigmoid, 0.2f, 0.5f},
      {A::kHardSwish, 1.0f / 6, 0.5f}, {A::kTanh, 0, 0},             {A::kSilu, 0, 0},    {A::kGelu, 0, 0},
      {A::kGeluTanh, 0, 0}};
  for (const auto& [act, alpha, beta] : acts) v.push_back({2, 9, 9, 32, 40, {1, 1, 1, 1}, true, act, alpha, beta});
  v.push_back({2, 9, 9, 33, 47, {1, 1, 1, 1}, false, A::kSilu, 0, 0, true});  // residual, no bias
  return v;
}

class NhwcConvWinograd : public ::testing::TestWithParam<Isa> {};

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

TEST_P(NhwcConvWinograd, MatchesReferenceAndIsBitIdenticalForAnyThreadCount) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  if (!x86::nhwc_winograd_enabled()) GTEST_SKIP() << "WISP_WINOGRAD=0";
  const x86::NhwcWinogradF32Impl& impl = *x86::nhwc_winograd_f32_impl(GetParam());
  ThreadPool pool2(2), pool3(3);
  for (const Case& c : cases()) {
    SCOPED_TRACE(describe(c));
    const ref::ConvParams p = params_of(c);
    ASSERT_TRUE(x86::nhwc_winograd_applies(p));
    const Inputs in = make_inputs(c, p);
    const Shape ys{c.n, p.geo.out[1], p.geo.out[2], c.m};
    const Tensor want = reference_nhwc(p, in.x, in.w, c.bias ? &in.b : nullptr, c.residual ? &in.r : nullptr);
    ref::ConvParams pa = p;
    pa.epilogue = {};
    const Tensor ax = abs_of(in.x), aw = abs_of(in.w), ab = abs_of(in.b), ar = c.residual ? abs_of(in.r) : Tensor();
    const Tensor scale = reference_nhwc(pa, ax, aw, c.bias ? &ab : nullptr, c.residual ? &ar : nullptr);
    Tensor one(DType::kF32, ys);
    run_kernel(fn, GetParam(), p, c, in, one, c.residual ? &in.r : nullptr, nullptr, 1);
    ASSERT_NE(p.packed_w, nullptr);
    ASSERT_EQ(p.packed_w->storage.size(), static_cast<size_t>(impl.packed_size(c.m, c.c) + 16))
        << "the Winograd packing is cached: the conv ran Winograd";
    ASSERT_TRUE(close(one, want, scale));
    for (ThreadPool* pool : {&pool2, &pool3}) {
      Tensor many(DType::kF32, ys);
      run_kernel(fn, GetParam(), p, c, in, many, c.residual ? &in.r : nullptr, pool, pool->threads());
      ASSERT_EQ(std::memcmp(many.data(), one.data(), static_cast<size_t>(one.bytes())), 0)
          << pool->threads() << " threads";
    }
    if (c.residual) {  // Y in the residual's own buffer
      Tensor shared = Tensor::copy_of(in.r.view());
      run_kernel(fn, GetParam(), p, c, in, shared, &shared, &pool2, 2);
      EXPECT_EQ(std::memcmp(shared.data(), one.data(), static_cast<size_t>(one.bytes())), 0) << "Y over R";
    }
  }
}

// Without the scratch Winograd needs (or for shapes it does not take) the direct conv runs,
// with its own packing, and the two packings replace each other in the cache.
TEST_P(NhwcConvWinograd, FallsBackToDirectWithoutScratchAndOutsideItsShapes) {
  std::string why;
  KernelFn fn = variant(GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  const Case c{2, 9, 9, 32, 40, {1, 1, 1, 1}, true, A::kRelu};
  const ref::ConvParams p = params_of(c);
  const Inputs in = make_inputs(c, p);
  const Tensor want = reference_nhwc(p, in.x, in.w, &in.b, nullptr);
  ref::ConvParams pa = p;
  pa.epilogue = {};
  const Tensor ab = abs_of(in.b), scale = reference_nhwc(pa, abs_of(in.x), abs_of(in.w), &ab, nullptr);
  const Tensor direct = test::call_kernel1(fn, &p, {&in.x, &in.w, &in.b}, Shape{2, 9, 9, 40});  // no scratch
  EXPECT_TRUE(close(direct, want, scale));
  const size_t direct_size = p.packed_w->storage.size();
  Tensor wino(DType::kF32, Shape{2, 9, 9, 40});
  run_kernel(fn, GetParam(), p, c, in, wino, nullptr, nullptr, 1);
  EXPECT_TRUE(close(wino, want, scale));
  if (x86::nhwc_winograd_enabled()) {
    EXPECT_NE(p.packed_w->storage.size(), direct_size);
  }
  const Tensor again = test::call_kernel1(fn, &p, {&in.x, &in.w, &in.b}, Shape{2, 9, 9, 40});
  EXPECT_EQ(std::memcmp(again.data(), direct.data(), static_cast<size_t>(direct.bytes())), 0);
  // Outside its shapes: stride 2, C below the threshold, a non-constant W.
  ref::ConvParams q = p;
  EXPECT_TRUE(x86::nhwc_winograd_applies(q));
  q.geo.stride[2] = 2;
  EXPECT_FALSE(x86::nhwc_winograd_applies(q));
  q = p;
  q.in_channels = x86::kNhwcWinogradMinChannels - 1;
  EXPECT_FALSE(x86::nhwc_winograd_applies(q));
  q = p;
  q.w_constant = false;
  EXPECT_FALSE(x86::nhwc_winograd_applies(q));
  q = p;  // 25 tiles: fewer than kNhwcWinogradMinTiles (resnet18's 512@7 has 16)
  q.batch = 1;
  EXPECT_FALSE(x86::nhwc_winograd_applies(q));
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }
INSTANTIATE_TEST_SUITE_P(AllIsas, NhwcConvWinograd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp

#endif  // x86-64
