// The fixed-point QLinearConv (wisp_fixed_point=1, kernels/ref/qgemm.hpp): the reference
// against hand-computed values (rounding ties toward +inf, clamps, padding = x_zp), and
// every x86 variant against the reference, bit for bit, at tile-edge sizes (positions
// around the 8/32/64 tiles, channels around the 4/8 blocks, K around multiples of 4),
// u8 and s8 activations and outputs, zero points 0 and not, narrowed clamps, strides,
// padding, dilation, batches; and identical results for 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "ir/attribute.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qgemm.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::OpInput;
using test::run_op;

Attributes fixed_point_attrs(int64_t qmin = -1000, int64_t qmax = 1000) {
  Attributes at;
  at.set_int("wisp_fixed_point", 1);
  if (qmin > -1000) at.set_int("wisp_qmin", qmin);
  if (qmax < 1000) at.set_int("wisp_qmax", qmax);
  return at;
}

// x [1, 1, 1, 4] with one 1x1 weight of 1: y = requantize(x * 0.5).
Tensor run_half_scale(const Tensor& x, const Tensor& x_zp, const Tensor& y_zp, const Attributes& at) {
  const Tensor w = Tensor::from<int8_t>({1, 1, 1, 1}, {1});
  return run_op("QLinearConv", {{x}, {Tensor::from<float>({}, {0.5f}), true}, {x_zp, true}, {w, true},
                                {Tensor::from<float>({1}, {1.0f}), true}, {Tensor::from<int8_t>({1}, {0}), true},
                                {Tensor::from<float>({}, {1.0f}), true}, {y_zp, true}},
                at)[0];
}

TEST(QConvFixedPoint, TiesRoundTowardPlusInfinityUnlikeOnnx) {
  const Tensor x = Tensor::from<uint8_t>({1, 1, 1, 4}, {1, 3, 5, 0});
  const Tensor zp = Tensor::from<uint8_t>({}, {0});
  // 0.5 -> 1, 1.5 -> 2, 2.5 -> 3 (ONNX's half-to-even gives 0, 2, 2).
  const Tensor fixed = run_half_scale(x, zp, zp, fixed_point_attrs());
  EXPECT_EQ(std::vector<uint8_t>(fixed.as<uint8_t>(), fixed.as<uint8_t>() + 4), (std::vector<uint8_t>{1, 2, 3, 0}));
  const Tensor onnx = run_half_scale(x, zp, zp, {});
  EXPECT_EQ(std::vector<uint8_t>(onnx.as<uint8_t>(), onnx.as<uint8_t>() + 4), (std::vector<uint8_t>{0, 2, 2, 0}));
  // A fused clamp (Relu6-like) caps at 2.
  const Tensor capped = run_half_scale(x, zp, zp, fixed_point_attrs(0, 2));
  EXPECT_EQ(std::vector<uint8_t>(capped.as<uint8_t>(), capped.as<uint8_t>() + 4), (std::vector<uint8_t>{1, 2, 2, 0}));
}

TEST(QConvFixedPoint, SignedActivationsAndZeroPoints) {
  // x int8 with zp -2: x - zp = {1, -1, 7, 2}; * 0.5 -> 0.5, -0.5, 3.5, 1 -> 1, 0, 4, 1; + y_zp 3.
  const Tensor x = Tensor::from<int8_t>({1, 1, 1, 4}, {-1, -3, 5, 0});
  const Tensor y = run_half_scale(x, Tensor::from<int8_t>({}, {-2}), Tensor::from<int8_t>({}, {3}), fixed_point_attrs());
  ASSERT_EQ(y.dtype(), DType::kI8);
  EXPECT_EQ(std::vector<int8_t>(y.as<int8_t>(), y.as<int8_t>() + 4), (std::vector<int8_t>{4, 3, 7, 4}));
}

TEST(QConvFixedPoint, PaddingReadsTheZeroPoint) {
  // x - 10 = [[0, 1], [2, 3]], 2x2 ones, pads 1, bias 1, scale 1 -> window sums + 1.
  const Tensor x = Tensor::from<uint8_t>({1, 1, 2, 2}, {10, 11, 12, 13});
  Attributes at = fixed_point_attrs();
  at.set_ints("pads", {1, 1, 1, 1});
  const Tensor y = run_op("QLinearConv", {{x}, {Tensor::from<float>({}, {1.0f}), true},
                                          {Tensor::from<uint8_t>({}, {10}), true},
                                          {Tensor::from<int8_t>({1, 1, 2, 2}, {1, 1, 1, 1}), true},
                                          {Tensor::from<float>({}, {1.0f}), true}, {Tensor::from<int8_t>({}, {0}), true},
                                          {Tensor::from<float>({}, {1.0f}), true}, {Tensor::from<uint8_t>({}, {0}), true},
                                          {Tensor::from<int32_t>({1}, {1}), true}},
                          at)[0];
  EXPECT_EQ(std::vector<uint8_t>(y.as<uint8_t>(), y.as<uint8_t>() + 9),
            (std::vector<uint8_t>{1, 2, 2, 3, 7, 5, 3, 6, 4}));
}

TEST(QConvFixedPoint, RejectsAsymmetricWeights) {
  const Tensor x = Tensor::from<uint8_t>({1, 1, 1, 1}, {1});
  EXPECT_THROW(run_op("QLinearConv", {{x}, {Tensor::from<float>({}, {1.0f}), true}, {Tensor::from<uint8_t>({}, {0}), true},
                                      {Tensor::from<int8_t>({1, 1, 1, 1}, {1}), true},
                                      {Tensor::from<float>({}, {1.0f}), true}, {Tensor::from<int8_t>({}, {3}), true},
                                      {Tensor::from<float>({}, {1.0f}), true}, {Tensor::from<uint8_t>({}, {0}), true}},
                      fixed_point_attrs()),
               Error);
}

// ---- x86 variants vs the reference ------------------------------------------------------

struct Case {
  int64_t batch, cin, h, w, cout, kh, kw, stride, pad, dil;
  bool x_signed, y_signed;
  int32_t x_zp, y_zp, qmin, qmax;  // qmin/qmax in y's type
};

std::string describe(const Case& c) {
  return "n" + std::to_string(c.batch) + " c" + std::to_string(c.cin) + " " + std::to_string(c.h) + "x" +
         std::to_string(c.w) + " m" + std::to_string(c.cout) + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) +
         " s" + std::to_string(c.stride) + " p" + std::to_string(c.pad) + " d" + std::to_string(c.dil) +
         (c.x_signed ? " xs8" : " xu8") + (c.y_signed ? " ys8" : " yu8") + " xzp" + std::to_string(c.x_zp) + " yzp" +
         std::to_string(c.y_zp) + " clamp[" + std::to_string(c.qmin) + "," + std::to_string(c.qmax) + "]";
}

ref::QConvParams make_params(const Case& c, std::mt19937& rng) {
  ref::QConvParams p;
  p.fixed_point = true;
  ref::ConvParams& cp = p.conv;
  cp.batch = c.batch;
  cp.in_channels = c.cin;
  cp.out_channels = c.cout;
  ref::WindowGeometry& g = cp.geo;
  g.spatial = 2;
  g.in[1] = c.h;
  g.in[2] = c.w;
  g.kernel[1] = c.kh;
  g.kernel[2] = c.kw;
  for (int d = 1; d < 3; ++d) {
    g.stride[d] = c.stride;
    g.dilation[d] = c.dil;
    g.pad_begin[d] = g.pad_end[d] = c.pad;
    g.out[d] = (g.in[d] + 2 * c.pad - c.dil * (g.kernel[d] - 1) - 1) / c.stride + 1;
  }
  ref::QGemm& q = p.q;
  q.channels = c.cout;
  q.k = c.cin * c.kh * c.kw;
  q.x_signed = c.x_signed;
  q.y_signed = c.y_signed;
  q.x_zero_point = c.x_zp;
  q.y_zero_point = c.y_zp;
  q.qmin = c.qmin;
  q.qmax = c.qmax;
  std::uniform_int_distribution<int> wd(-127, 127), bd(-3000, 3000);
  std::uniform_real_distribution<double> sd(0.5, 2.0);
  q.weights.resize(static_cast<size_t>(c.cout * q.k));
  for (auto& v : q.weights) v = static_cast<int8_t>(wd(rng));
  if (!q.weights.empty()) q.weights[0] = -128;  // the extreme weight too
  for (int64_t m = 0; m < c.cout; ++m) {
    int32_t s = 0;
    for (int64_t i = 0; i < q.k; ++i) s += q.weights[m * q.k + i];
    q.weight_sums.push_back(s);
    q.bias.push_back(bd(rng));
    // Outputs spread over the whole range (some saturate): acc ~ sqrt(K) * 127 * 74; some
    // channels get large ratios (small shifts, 64-bit clamps) or tiny ones (shift ~ 60).
    static const double kBoost[] = {1, 1, 1, 1000, 1e-6, 37, 3e5};
    q.multiplier.push_back(
        quant::quantize_multiplier(sd(rng) * 60.0 / (std::sqrt(double(q.k)) * 127 * 74) * kBoost[rng() % 7]));
  }
  return p;
}

Tensor run_conv(KernelFn fn, const ref::QConvParams& p, const Tensor& x, ThreadPool* pool) {
  const ref::ConvParams& c = p.conv;
  Tensor y(p.q.y_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.out_channels, c.geo.out[1], c.geo.out[2]});
  std::memset(y.as<uint8_t>(), 0xA5, static_cast<size_t>(y.numel()));  // unwritten elements show
  std::vector<uint8_t> scratch(static_cast<size_t>(ref::conv_col_elems(c) + ref::qconv_channels_last_bytes(c) +
                                                   ref::kQGemmSlots * ref::qgemm_slot_bytes(p.q.k) + 128));
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, pool};
  fn(args);
  return y;
}

::testing::AssertionResult same_bytes(const Tensor& got, const Tensor& want) {
  for (int64_t i = 0; i < want.numel(); ++i)
    if (got.as<uint8_t>()[i] != want.as<uint8_t>()[i])
      return ::testing::AssertionFailure() << "element " << i << ": " << int(got.as<uint8_t>()[i]) << " vs reference "
                                           << int(want.as<uint8_t>()[i]) << " (raw bytes)";
  return ::testing::AssertionSuccess();
}

KernelFn variant(DType dt, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = "the CPU (or WISP_MAX_ISA) does not allow " + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("", "QLinearConv", dt, isa);
  if (fn == find_kernel("", "QLinearConv", dt, Isa::kPortable)) {
    why_not = "no QLinearConv kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  // Pointwise: positions below/at/above 8, 32, 64 (tiles), channels around 4 and 8, K % 4.
  for (int64_t hw : {1, 7, 8, 9, 31, 32, 33, 64, 65, 100})
    for (int64_t m : {1, 3, 4, 5, 8, 9, 17})
      for (int64_t cin : {1, 3, 4, 5, 16})
        out.push_back({1, cin, 1, hw, m, 1, 1, 1, 0, 1, false, false, 128, 100, 0, 255});
  // 3x3 with padding, strides, dilation; odd sizes; batches.
  out.push_back({2, 3, 9, 11, 7, 3, 3, 1, 1, 1, false, false, 3, 7, 0, 255});
  out.push_back({1, 8, 14, 14, 16, 3, 3, 2, 1, 1, false, false, 0, 0, 0, 255});
  out.push_back({1, 5, 13, 10, 9, 3, 3, 2, 0, 1, false, false, 255, 128, 0, 255});
  out.push_back({1, 4, 12, 12, 6, 3, 3, 1, 2, 2, false, false, 50, 10, 10, 200});
  out.push_back({1, 3, 17, 17, 33, 5, 5, 1, 2, 1, false, false, 20, 60, 60, 255});
  out.push_back({1, 64, 8, 8, 24, 3, 3, 1, 1, 1, false, false, 77, 128, 0, 255});
  out.push_back({1, 3, 15, 15, 8, 7, 7, 2, 3, 1, false, false, 114, 0, 0, 255});
  // Channels-last path (C % 4 == 0, not pointwise): 3x3 / 5x5 / 1x1 stride 2, pads, dilation,
  // batches, int8 in and out, positions around the tile.
  out.push_back({2, 4, 9, 11, 7, 3, 3, 1, 1, 1, false, false, 3, 7, 0, 255});
  out.push_back({1, 8, 17, 9, 9, 5, 5, 2, 2, 1, true, true, 5, -3, -128, 127});
  out.push_back({1, 12, 10, 13, 5, 3, 3, 1, 2, 2, false, true, 200, 0, -10, 100});
  out.push_back({2, 16, 9, 9, 16, 1, 1, 2, 0, 1, false, false, 0, 128, 0, 255});
  out.push_back({1, 4, 30, 30, 8, 3, 3, 2, 1, 1, true, false, -128, 0, 0, 255});
  // Wide stride-2 rows (the vector even-byte gather, and its tail); pointwise full tiles.
  out.push_back({1, 3, 9, 75, 8, 7, 7, 2, 3, 1, false, false, 114, 0, 0, 255});
  out.push_back({1, 5, 6, 70, 6, 1, 1, 2, 0, 1, true, false, 3, 9, 0, 255});
  out.push_back({2, 8, 16, 16, 12, 1, 1, 1, 0, 1, false, false, 30, 9, 0, 255});
  // Signed activations and outputs (symmetric: zp 0; and not).
  out.push_back({1, 6, 10, 10, 11, 3, 3, 1, 1, 1, true, true, 0, 0, -128, 127});
  out.push_back({2, 5, 7, 9, 12, 1, 1, 1, 0, 1, true, false, -5, 17, 17, 255});
  out.push_back({1, 7, 9, 9, 5, 3, 3, 2, 1, 1, false, true, 9, -3, -3, 100});
  out.push_back({1, 16, 6, 6, 40, 1, 1, 1, 0, 1, true, true, 10, -20, -128, 127});
  return out;
}

class QConvSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(QConvSimd, MatchesReferenceBitExact) {
  std::mt19937 rng(7);
  KernelFn ref_fn = find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef);
  int checked = 0;
  for (const Case& c : cases()) {
    const DType xdt = c.x_signed ? DType::kI8 : DType::kU8;
    std::string why;
    KernelFn fn = variant(xdt, GetParam(), why);
    if (!fn) GTEST_SKIP() << why;
    const ref::QConvParams p = make_params(c, rng);
    Tensor x(xdt, Shape{c.batch, c.cin, c.h, c.w});
    std::uniform_int_distribution<int> xd(0, 255);
    for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(xd(rng));
    const Tensor want = run_conv(ref_fn, p, x, nullptr);
    const Tensor got = run_conv(fn, p, x, nullptr);
    EXPECT_TRUE(same_bytes(got, want)) << describe(c);
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

// Exact ties at every shift: multiplier 2^30 with shift n makes the ratio 2^(30 - n), so
// acc * m + 2^(n-1) lands exactly on a multiple of 2^n for 1 in 2^(n-30) accumulators
// (n = 31: every odd acc). Shifts below and at/above 32 (the 32-bit merge of
// kernels/x86/requant_avx512.hpp), u8 and s8 out, clamps that bite; full and partial tiles.
TEST_P(QConvSimd, RequantizationTiesAtEveryShift) {
  std::mt19937 rng(23);
  KernelFn ref_fn = find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef);
  for (bool y_signed : {false, true}) {
    const Case c{1, 16, 1, 100, 17, 1, 1, 1, 0, 1, false, y_signed, 77, y_signed ? -5 : 120,
                 y_signed ? -100 : 3, y_signed ? 127 : 250};
    std::string why;
    KernelFn fn = variant(DType::kU8, GetParam(), why);
    if (!fn) GTEST_SKIP() << why;
    ref::QConvParams p = make_params(c, rng);
    // Channels 0-7 (one AVX-512 block, all >= 32: the fused tile + requantization), 8-15
    // mixed (per-row paths), 16 alone.
    static const int kShifts[] = {32, 33, 34, 35, 36, 38, 40, 63, 31, 20, 28, 30, 45, 60, 32, 1, 33};
    for (int64_t m = 0; m < c.cout; ++m) p.q.multiplier[m] = quant::FixedPointMultiplier{1 << 30, kShifts[m]};
    Tensor x(DType::kU8, Shape{1, c.cin, c.h, c.w});
    for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
    const Tensor want = run_conv(ref_fn, p, x, nullptr);
    // Checked to fail with the AVX-512 rounding term off by one (2^(n-1) - 1).
    EXPECT_TRUE(same_bytes(run_conv(fn, p, x, nullptr), want)) << describe(c);
  }
}

TEST_P(QConvSimd, SameResultForOneTwoThreeThreads) {
  std::mt19937 rng(11);
  std::string why;
  KernelFn fn = variant(DType::kU8, GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  for (const Case& c : {Case{1, 16, 20, 20, 24, 3, 3, 1, 1, 1, false, false, 3, 5, 0, 255},
                        Case{3, 8, 5, 5, 3, 1, 1, 1, 0, 1, false, false, 100, 5, 0, 255}}) {
    const ref::QConvParams p = make_params(c, rng);
    Tensor x(DType::kU8, Shape{c.batch, c.cin, c.h, c.w});
    for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
    const Tensor one = run_conv(fn, p, x, nullptr);
    const Tensor want = run_conv(find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef), p, x, nullptr);
    EXPECT_TRUE(same_bytes(one, want)) << describe(c);
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      EXPECT_TRUE(same_bytes(run_conv(fn, p, x, &pool), one)) << describe(c) << " threads " << threads;
    }
  }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isas, QConvSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
