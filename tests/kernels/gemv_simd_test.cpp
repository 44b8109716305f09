// The x86 float32 GEMV (M = 1) path (gemv_f32.hpp) against the reference kernels, for
// AVX-512 and AVX2: Gemm with one row (K, N at 1, 15, 16, 17, 31, 32, 33, 64, 1000, 1024:
// below, at and above the vector width and the 16 / 32-column panels, K below, at and past
// the unroll of 4), transposed A and B, alpha, beta and every bias broadcast, every fused
// activation; MatMul [1, K] x [K, N]; NhwcConv 1x1 on one position (squeeze-excite) with
// bias or none, residual (also sharing Y's memory), activations, a strided 1x1 that reads
// pixel 0 of a larger map, and a padded one (not a GEMV: the position is in the padding).
// Results must be bit-identical for 1, 2 and 3 threads, and a lone row / position must
// have the bits the tile kernels give it inside a larger batch / map.
//
// Tolerance: |got - want| <= 1e-6 * (K + 1) * S + 1e-6, S the same product on absolute
// values: float rounding in another summation order; a missing K step or column moves a
// value by ~S / K, far more.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "kernels/ref/matmul.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::call_kernel1;

::testing::AssertionResult close(const Tensor& got, const Tensor& want, const Tensor& scale, int64_t k) {
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.as<float>()[i], w = want.as<float>()[i];
    const double tol = 1e-6 * double(k + 1) * scale.as<float>()[i] + 1e-6;
    if (!(std::fabs(g - w) <= tol))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w << " (tol " << tol
                                           << ")";
  }
  return ::testing::AssertionSuccess();
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.bytes())) == 0;
}

Tensor abs_of(const Tensor& t) {
  Tensor a = Tensor::copy_of(t.view());
  for (int64_t i = 0; i < a.numel(); ++i) a.as<float>()[i] = std::fabs(a.as<float>()[i]);
  return a;
}

// The kernel registered for exactly `isa` (domain `domain`), or a skip reason.
KernelFn variant(const char* domain, const char* op, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel(domain, op, DType::kF32, isa), below = find_kernel(domain, op, DType::kF32, Isa::kPortable);
  if (fn == nullptr || fn == below) {
    why_not = std::string("no ") + op + " kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

const int64_t kSizes[] = {1, 15, 16, 17, 31, 32, 33, 64, 1000, 1024};

class GemvSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(GemvSimd, OneRowGemmMatchesReference) {
  std::string why;
  KernelFn fn = variant("", "Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Gemm", DType::kF32, Isa::kRef);
  int combo = 0;
  for (int64_t n : kSizes)
    for (int64_t k : kSizes) {
      ++combo;
      ref::GemmParams p;
      p.m = 1, p.n = n, p.k = k;
      p.trans_a = combo % 3 == 0, p.trans_b = combo % 2;
      p.alpha = combo % 4 == 0 ? -0.75f : 1.0f;
      p.b_constant = combo % 5 != 0;
      // Bias: none, [N], [1], [1, N] with beta 0.5, [1, 1] in turn.
      const int bias_kind = combo % 5;
      p.has_c = bias_kind != 0;
      p.c_col_stride = bias_kind == 1 || bias_kind == 3 ? 1 : 0;
      p.beta = bias_kind == 3 ? 0.5f : 1.0f;
      const Shape cs = bias_kind == 1 ? Shape{n} : bias_kind == 2 ? Shape{1} : bias_kind == 3 ? Shape{1, n} : Shape{1, 1};
      const Tensor a = test::random_f32(p.trans_a ? Shape{k, 1} : Shape{1, k}, combo);
      const Tensor b = test::random_f32(p.trans_b ? Shape{n, k} : Shape{k, n}, combo + 7);
      const Tensor c = test::random_f32(cs, combo + 13);
      const Tensor* cp = p.has_c ? &c : nullptr;
      const Tensor want = call_kernel1(ref_fn, &p, {&a, &b, cp}, Shape{1, n});
      ref::GemmParams pa = p;
      pa.alpha = std::fabs(p.alpha), pa.beta = std::fabs(p.beta);
      const Tensor aa = abs_of(a), ab = abs_of(b), ac = abs_of(c);
      const Tensor scale = call_kernel1(ref_fn, &pa, {&aa, &ab, p.has_c ? &ac : nullptr}, Shape{1, n});
      const Tensor got = call_kernel1(fn, &p, {&a, &b, cp}, Shape{1, n});
      ASSERT_TRUE(close(got, want, scale, k)) << "N=" << n << " K=" << k << " transA=" << p.trans_a
                                              << " transB=" << p.trans_b << " bias kind " << bias_kind;
    }
}

TEST_P(GemvSimd, OneRowGemmAppliesTheFusedActivation) {
  std::string why;
  KernelFn fn = variant("", "Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Gemm", DType::kF32, Isa::kRef);
  using A = ref::EpilogueAct;
  const ref::Epilogue epilogues[] = {{A::kRelu, 0, 0},         {A::kClip, 0.0f, 6.0f},  {A::kLeakyRelu, 0.1f, 0},
                                     {A::kHardSwish, 1.0f / 6.0f, 0.5f}, {A::kSigmoid, 0, 0}, {A::kHardSigmoid, 0.2f, 0.5f},
                                     {A::kTanh, 0, 0},         {A::kSilu, 0, 0},        {A::kGelu, 0, 0},
                                     {A::kGeluTanh, 0, 0}};
  int seed = 0;
  for (const ref::Epilogue& e : epilogues)
    for (auto [n, k] : {std::pair<int64_t, int64_t>{33, 17}, {1000, 1024}}) {
      ref::GemmParams p;
      p.m = 1, p.n = n, p.k = k;
      p.trans_b = true;
      p.b_constant = true;
      p.has_c = true, p.c_col_stride = 1;
      p.epilogue = e;
      const Tensor a = test::random_f32(Shape{1, k}, ++seed), b = test::random_f32(Shape{n, k}, ++seed);
      const Tensor c = test::random_f32(Shape{n}, ++seed);
      const Tensor want = call_kernel1(ref_fn, &p, {&a, &b, &c}, Shape{1, n});
      const Tensor got = call_kernel1(fn, &p, {&a, &b, &c}, Shape{1, n});
      int64_t negatives = 0;
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_NEAR(got.as<float>()[i], want.as<float>()[i], 1e-4 * (1 + std::fabs(want.as<float>()[i])))
            << "activation " << int(e.act) << " N=" << n << " element " << i;
        negatives += got.as<float>()[i] < 0;
      }
      if (e.act == A::kRelu) {
        EXPECT_EQ(negatives, 0);  // the activation really ran
      }
    }
}

TEST_P(GemvSimd, OneRowMatMulMatchesReference) {
  std::string why;
  KernelFn fn = variant("", "MatMul", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "MatMul", DType::kF32, Isa::kRef);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1000, 576}, {17, 31}, {64, 1}}) {
    ref::MatMulParams p;
    p.m = 1, p.n = n, p.k = k;
    p.batch_count = 1;
    p.b_constant = true;
    const Tensor a = test::random_f32(Shape{1, k}, 3), b = test::random_f32(Shape{k, n}, 4);
    const Tensor want = call_kernel1(ref_fn, &p, {&a, &b}, Shape{1, n});
    const Tensor aa = abs_of(a), ab = abs_of(b);
    const Tensor scale = call_kernel1(ref_fn, &p, {&aa, &ab}, Shape{1, n});
    EXPECT_TRUE(close(call_kernel1(fn, &p, {&a, &b}, Shape{1, n}), want, scale, k)) << "N=" << n << " K=" << k;
  }
}

TEST_P(GemvSimd, OneRowGemmBitIdenticalForAnyThreadCount) {
  std::string why;
  KernelFn fn = variant("", "Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool pool2(2), pool3(3);
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1000, 1280}, {1024, 576}, {33, 17}, {100, 64}}) {
    ref::GemmParams p;
    p.m = 1, p.n = n, p.k = k;
    p.trans_b = true;
    p.b_constant = true;
    p.has_c = true, p.c_col_stride = 1;
    p.epilogue = {ref::EpilogueAct::kHardSwish, 1.0f / 6.0f, 0.5f};
    const Tensor a = test::random_f32(Shape{1, k}, 5), b = test::random_f32(Shape{n, k}, 6);
    const Tensor c = test::random_f32(Shape{n}, 7);
    const Tensor one = call_kernel1(fn, &p, {&a, &b, &c}, Shape{1, n});
    for (ThreadPool* pool : {&pool2, &pool3})
      EXPECT_TRUE(bit_equal(one, call_kernel1(fn, &p, {&a, &b, &c}, Shape{1, n}, pool)))
          << "N=" << n << " K=" << k << ", " << pool->threads() << " threads";
  }
}

// A row alone (batch 1: the GEMV) gets the same bits as the same row inside a larger
// GEMM (the microkernel): same K blocks, same order (verify/layer_compare compares runs
// across batch sizes). K = 1280 spans five K blocks.
TEST_P(GemvSimd, OneRowGemmHasTheBitsOfTheSameRowInALargerGemm) {
  std::string why;
  KernelFn fn = variant("", "Gemm", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  for (auto [n, k] : {std::pair<int64_t, int64_t>{1000, 1280}, {1024, 576}, {33, 17}, {7, 300}}) {
    ref::GemmParams p;
    p.n = n, p.k = k;
    p.trans_b = true;
    p.b_constant = true;
    p.alpha = 0.75f;
    p.has_c = true, p.c_col_stride = 1;
    p.epilogue = {ref::EpilogueAct::kSilu, 0, 0};
    const Tensor many_rows = test::random_f32(Shape{5, k}, 21), b = test::random_f32(Shape{n, k}, 22);
    const Tensor c = test::random_f32(Shape{n}, 23);
    p.m = 5;
    const Tensor five = call_kernel1(fn, &p, {&many_rows, &b, &c}, Shape{5, n});
    ref::GemmParams p1 = p;
    p1.m = 1;
    Tensor row(DType::kF32, Shape{1, k});
    std::memcpy(row.data(), many_rows.data(), static_cast<size_t>(k) * sizeof(float));
    const Tensor one = call_kernel1(fn, &p1, {&row, &b, &c}, Shape{1, n});
    EXPECT_EQ(std::memcmp(one.data(), five.data(), static_cast<size_t>(n) * sizeof(float)), 0) << "N=" << n << " K=" << k;
  }
}

// NhwcConv 1x1 with one output position: the GEMV on the conv's packed weights.
struct ConvCase {
  int64_t h, w, c, m, stride, pad;
  bool bias, residual;
  ref::EpilogueAct act;
  float alpha, beta;
};

ref::ConvParams conv_params(const ConvCase& c) {
  ref::WindowAttrs attrs;
  attrs.kernel = {1, 1};
  attrs.strides = {c.stride, c.stride};
  attrs.pads = {c.pad, c.pad, c.pad, c.pad};
  ref::ConvParams p;
  p.geo = ref::window_geometry({c.h, c.w}, attrs);
  p.in_channels = c.c;
  p.out_channels = c.m;
  p.has_bias = c.bias;
  p.has_residual = c.residual;
  p.epilogue = {c.act, c.alpha, c.beta};
  p.w_constant = true;
  return p;
}

// The NCHW reference Conv on an NHWC input [1, H, W, C] (the one-position output is the
// same memory in both layouts).
Tensor conv_reference(const ref::ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* r) {
  static const KernelFn ref_conv = find_kernel("", "Conv", DType::kF32, Isa::kRef);
  const Shape& s = x.shape();
  Tensor xc(DType::kF32, Shape{1, s[3], s[1], s[2]});
  for (int64_t i = 0; i < s[1] * s[2]; ++i)
    for (int64_t ch = 0; ch < s[3]; ++ch) xc.as<float>()[ch * s[1] * s[2] + i] = x.as<const float>()[i * s[3] + ch];
  ref::ConvParams q = p;
  q.packed_w = nullptr;
  std::vector<float> scratch(static_cast<size_t>(ref::conv_col_elems(q)) + 16);
  return call_kernel1(ref_conv, &q, {&xc, &w, b, r}, Shape{1, p.out_channels, 1, 1}, nullptr, scratch.data());
}

TEST_P(GemvSimd, OnePositionNhwcConvMatchesReferenceAndIsBitIdentical) {
  std::string why;
  KernelFn fn = variant("com.wisp", "NhwcConv", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  using A = ref::EpilogueAct;
  std::vector<ConvCase> cases;
  int i = 0;
  for (int64_t c : {1, 16, 17, 33, 64, 1000})
    for (int64_t m : {1, 15, 16, 17, 31, 32, 33, 64, 1024}) {
      ++i;
      const A act = i % 3 == 0 ? A::kRelu : i % 3 == 1 ? A::kHardSigmoid : A::kNone;
      cases.push_back({1, 1, c, m, 1, 0, i % 4 != 0, i % 5 == 0, act, 0.2f, 0.5f});
    }
  cases.push_back({1, 1, 72, 18, 1, 0, true, false, A::kSilu, 0, 0});    // efficientnet_b0's SE reduce
  cases.push_back({1, 1, 8, 96, 1, 0, true, true, A::kSigmoid, 0, 0});
  cases.push_back({3, 3, 40, 33, 3, 0, true, false, A::kClip, 0.0f, 6.0f});  // 3x3 map, stride 3: reads pixel 0
  cases.push_back({1, 1, 20, 40, 1, 1, true, false, A::kNone, 0, 0});   // padded: 3x3 output, not a GEMV
  cases.push_back({1, 1, 20, 40, 3, 1, true, false, A::kRelu, 0, 0});   // padded, one position: reads padding
  ThreadPool pool2(2), pool3(3);
  for (const ConvCase& c : cases) {
    SCOPED_TRACE("H=" + std::to_string(c.h) + " C=" + std::to_string(c.c) + " M=" + std::to_string(c.m) +
                 " stride=" + std::to_string(c.stride) + " pad=" + std::to_string(c.pad) + " act=" +
                 std::to_string(int(c.act)) + (c.bias ? "" : " no bias") + (c.residual ? " residual" : ""));
    const ref::ConvParams p = conv_params(c);
    const Shape ys{1, p.geo.out[1], p.geo.out[2], c.m};
    const Tensor x = test::random_f32(Shape{1, c.h, c.w, c.c}, 11), w = test::random_f32(Shape{c.m, c.c, 1, 1}, 12);
    const Tensor b = test::random_f32(Shape{c.m}, 13), r = test::random_f32(ys, 14);
    const Tensor* bp = c.bias ? &b : nullptr;
    const Tensor* rp = c.residual ? &r : nullptr;
    std::vector<const Tensor*> ins{&x, &w, bp};
    if (c.residual) ins.push_back(&r);
    const Tensor one = call_kernel1(fn, &p, ins, ys);
    if (p.geo.out_size() == 1) {
      const Tensor want = conv_reference(p, x, w, bp, rp);
      ref::ConvParams pa = p;
      pa.epilogue = {};
      const Tensor ax = abs_of(x), aw = abs_of(w), ab = abs_of(b), ar = abs_of(r);
      const Tensor scale = conv_reference(pa, ax, aw, c.bias ? &ab : nullptr, c.residual ? &ar : nullptr);
      const double slack = c.act == A::kNone || c.act == A::kRelu || c.act == A::kClip ? 1.0 : 10.0;  // vector exp
      for (int64_t j = 0; j < c.m; ++j) {
        const double tol = slack * (1e-6 * double(c.c + 1) * scale.as<float>()[j] + 1e-6);
        ASSERT_NEAR(one.as<float>()[j], want.as<float>()[j], tol) << "channel " << j;
      }
    } else {  // the padded 1x1 on a 1x1 map: every output is bias (+ act) except the centre
      ASSERT_EQ(one.numel(), 9 * c.m);
      for (int64_t j = 0; j < c.m; ++j) ASSERT_EQ(one.as<float>()[j], b.as<float>()[j]) << "corner channel " << j;
    }
    for (ThreadPool* pool : {&pool2, &pool3})
      ASSERT_TRUE(bit_equal(one, call_kernel1(fn, &p, ins, ys, pool))) << pool->threads() << " threads";
    if (c.residual) {  // Y in the residual's own buffer gives the same bits
      Tensor shared = Tensor::copy_of(r.view());
      TensorView xv = x.view(), wv = w.view(), bv = b.view(), sv = shared.view();
      const TensorView* vins[] = {&xv, &wv, c.bias ? &bv : nullptr, &sv};
      TensorView* outs[] = {&sv};
      KernelArgs args{nullptr, &p, vins, outs, nullptr, 0, nullptr, nullptr};
      fn(args);
      EXPECT_TRUE(bit_equal(one, shared));
    }
  }
}

// The one-position conv (GEMV) gives position 0 of a 2x3 map the same bits as the tile
// kernel does (same K slices: C = 300 and 576 are two and three slices).
TEST_P(GemvSimd, OnePositionNhwcConvHasTheBitsOfTheTileKernel) {
  std::string why;
  KernelFn fn = variant("com.wisp", "NhwcConv", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  for (int64_t c : {17, 300, 576}) {
    SCOPED_TRACE("C=" + std::to_string(c));
    const int64_t m = 40;
    ConvCase big{2, 3, c, m, 1, 0, true, true, ref::EpilogueAct::kHardSwish, 1.0f / 6.0f, 0.5f};
    ConvCase small = big;
    small.h = small.w = 1;
    const ref::ConvParams pb = conv_params(big), ps = conv_params(small);
    const Tensor x = test::random_f32(Shape{1, 2, 3, c}, 31), w = test::random_f32(Shape{m, c, 1, 1}, 32);
    const Tensor b = test::random_f32(Shape{m}, 33), r = test::random_f32(Shape{1, 2, 3, m}, 34);
    const Tensor ybig = call_kernel1(fn, &pb, {&x, &w, &b, &r}, Shape{1, 2, 3, m});
    Tensor x1(DType::kF32, Shape{1, 1, 1, c}), r1(DType::kF32, Shape{1, 1, 1, m});
    std::memcpy(x1.data(), x.data(), static_cast<size_t>(c) * sizeof(float));
    std::memcpy(r1.data(), r.data(), static_cast<size_t>(m) * sizeof(float));
    const Tensor ysmall = call_kernel1(fn, &ps, {&x1, &w, &b, &r1}, Shape{1, 1, 1, m});
    EXPECT_EQ(std::memcmp(ysmall.data(), ybig.data(), static_cast<size_t>(m) * sizeof(float)), 0);
  }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(AllIsas, GemvSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
