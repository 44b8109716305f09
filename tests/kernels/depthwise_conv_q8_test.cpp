// Depthwise int8 conv: the reference against hand-computed values, then every SIMD variant
// this build and CPU have (AVX2, AVX-512 on x86; NEON on aarch64, under qemu in the aarch64
// stage) against the reference, bit for bit: widths around the vector widths (16 and 32
// columns), odd channel counts, channel multipliers, 3x3 / 5x5 / other filters, stride 1,
// 2 and 3 with odd sizes, padding on every side (asymmetric, wider than the filter),
// dilation, uint8 and int8 activations, zero points 0 and not, clamps, requantization
// shifts on both sides of 31/32 (the AVX2 paths) and exact ties; planes that need several
// row bands and rows too wide for the band buffer (reference fallback); 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/depthwise_conv_q8.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using ref::DepthwiseQ8Args;
using ref::DepthwiseQ8Fn;
using ref::DepthwiseQ8Params;

struct Problem {
  DepthwiseQ8Params p;
  std::vector<uint8_t> x;  // raw bytes: uint8 or int8 per p.x_signed
  std::vector<int8_t> w;
  std::vector<int32_t> bias;
  std::vector<quant::FixedPointMultiplier> fm;
  bool has_bias = true;

  int64_t out_channels() const { return p.channels * p.multiplier; }
  int64_t y_size() const { return p.batch * out_channels() * p.out_h * p.out_w; }

  std::vector<uint8_t> run(DepthwiseQ8Fn fn, int threads) const {
    std::vector<uint8_t> y(static_cast<size_t>(y_size()), 0xA5);
    ThreadPool pool(threads);
    DepthwiseQ8Args a;
    a.p = &p;
    a.x = x.data();
    a.w = w.data();
    a.bias = has_bias ? bias.data() : nullptr;
    a.fm = fm.data();
    a.y = y.data();
    a.pool = &pool;
    fn(a);
    return y;
  }
};

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return (in + pb + pe - ((k - 1) * d + 1)) / s + 1;
}

struct Shape2 {
  int64_t batch, channels, mult, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

// Random data; `scale` is the requantization ratio of channel 0 (the others vary around it).
// y_signed: -1 = the same type as X.
Problem make_problem(const Shape2& s, bool x_signed, int32_t x_zp, int32_t y_zp, double scale, uint32_t seed,
                     bool narrow_clamp = false, int y_signed = -1) {
  Problem pr;
  DepthwiseQ8Params& p = pr.p;
  p.batch = s.batch;
  p.channels = s.channels;
  p.multiplier = s.mult;
  p.in_h = s.h;
  p.in_w = s.w;
  p.kernel_h = s.kh;
  p.kernel_w = s.kw;
  p.stride_h = s.sh;
  p.stride_w = s.sw;
  p.dilation_h = s.dh;
  p.dilation_w = s.dw;
  p.pad_top = s.pt;
  p.pad_left = s.pl;
  p.out_h = out_size(s.h, s.kh, s.sh, s.dh, s.pt, s.pb);
  p.out_w = out_size(s.w, s.kw, s.sw, s.dw, s.pl, s.pr);
  p.x_signed = x_signed;
  p.y_signed = y_signed < 0 ? x_signed : y_signed == 1;
  p.x_zero_point = x_zp;
  p.y_zero_point = y_zp;
  p.qmin = p.y_signed ? -128 : 0;
  p.qmax = p.y_signed ? 127 : 255;
  if (narrow_clamp) {  // a fused Relu6-like clamp
    p.qmin = y_zp;
    p.qmax = y_zp + 60;
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255), wdist(-128, 127), bdist(-(1 << 16), 1 << 16);
  pr.x.resize(static_cast<size_t>(p.batch * p.channels * p.in_h * p.in_w));
  for (auto& v : pr.x) v = static_cast<uint8_t>(byte(rng));
  const int64_t m = pr.out_channels();
  pr.w.resize(static_cast<size_t>(m * p.kernel_h * p.kernel_w));
  for (auto& v : pr.w) v = static_cast<int8_t>(wdist(rng));
  pr.w[0] = -128;  // the extreme weight
  pr.bias.resize(static_cast<size_t>(m));
  for (auto& v : pr.bias) v = bdist(rng);
  for (int64_t c = 0; c < m; ++c) pr.fm.push_back(quant::quantize_multiplier(scale * (1.0 + 0.37 * double(c % 5))));
  return pr;
}

std::string describe(const Problem& pr) {
  const DepthwiseQ8Params& p = pr.p;
  std::ostringstream o;
  o << "N" << p.batch << " C" << p.channels << "x" << p.multiplier << " in " << p.in_h << "x" << p.in_w << " k "
    << p.kernel_h << "x" << p.kernel_w << " s " << p.stride_h << "," << p.stride_w << " d " << p.dilation_h << ","
    << p.dilation_w << " pad " << p.pad_top << "," << p.pad_left << " out " << p.out_h << "x" << p.out_w
    << (p.x_signed ? " int8" : " uint8") << (p.y_signed ? "->int8" : "->uint8") << " xzp " << p.x_zero_point << " yzp " << p.y_zero_point << " clamp ["
    << p.qmin << "," << p.qmax << "] shift " << pr.fm[0].shift;
  return o.str();
}

::testing::AssertionResult same(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, const Problem& pr) {
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i])
      return ::testing::AssertionFailure() << describe(pr) << ": element " << i << " is " << int(got[i])
                                           << ", reference " << int(want[i]);
  return ::testing::AssertionSuccess();
}

TEST(DepthwiseConvQ8Ref, HandComputed) {
  // One uint8 channel, 3x3 input, 3x3 ones filter, pad 1: each output sums its in-bounds
  // neighbourhood of (x - zp), plus bias 3, times 0.5, rounded half up, plus y_zp 10.
  Problem pr = make_problem(Shape2{1, 1, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, false, 2, 10, 0.5, 1);
  pr.x = {2, 3, 4, 5, 6, 7, 8, 9, 10};  // x - zp = 0..8
  pr.w.assign(9, 1);
  pr.bias = {3};
  pr.fm = {quant::quantize_multiplier(0.5)};
  // Sums of x - zp over the in-bounds 3x3 neighbourhoods: corners 0+1+3+4=8, ...
  const int sums[9] = {8, 15, 12, 21, 36, 27, 20, 33, 24};
  const std::vector<uint8_t> y = pr.run(ref::depthwise_conv_q8_ref, 1);
  for (int i = 0; i < 9; ++i) {
    const int acc = sums[i] + 3;
    const int want = (acc + 1) / 2 + 10;  // acc >= 0: round half up is (acc + 1) / 2
    EXPECT_EQ(int(y[i]), want) << "output " << i;
  }
  // Clamp and int8: the same with signed bytes, y_zp -100, clamp at -90.
  pr.p.x_signed = pr.p.y_signed = true;
  pr.p.x_zero_point = -5;
  pr.x = {static_cast<uint8_t>(int8_t{-5}), 0xFC, 0xFD, 0xFE, 0xFF, 0, 1, 2, 3};  // x - zp = 0..8
  pr.p.y_zero_point = -100;
  pr.p.qmin = -128;
  pr.p.qmax = -90;
  const std::vector<uint8_t> ys = pr.run(ref::depthwise_conv_q8_ref, 1);
  for (int i = 0; i < 9; ++i) {
    const int acc = sums[i] + 3;
    const int want = std::min((acc + 1) / 2 - 100, -90);
    EXPECT_EQ(int(static_cast<int8_t>(ys[i])), want) << "output " << i;
  }
}

TEST(DepthwiseConvQ8Ref, ChannelMultiplierReadsItsInputChannel) {
  // Two input channels, multiplier 2, 1x1 filters with weight 1: output channel m copies
  // input channel m / 2 (scale 1 is the identity: multiplier 2^30, shift 30).
  Problem pr = make_problem(Shape2{1, 2, 2, 1, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, false, 0, 0, 1.0, 2);
  pr.x = {1, 2, 3, 4, 50, 60, 70, 80};
  pr.w.assign(4, 1);
  pr.has_bias = false;
  pr.fm.assign(4, quant::quantize_multiplier(1.0));
  const std::vector<uint8_t> y = pr.run(ref::depthwise_conv_q8_ref, 1);
  const std::vector<uint8_t> want = {1, 2, 3, 4, 1, 2, 3, 4, 50, 60, 70, 80, 50, 60, 70, 80};
  EXPECT_EQ(y, want);
}

TEST(DepthwiseConvQ8Ref, ParamsFromConv) {
  ref::ConvParams c;
  c.geo.spatial = 2;
  c.geo.in[1] = 9;
  c.geo.in[2] = 11;
  c.geo.kernel[1] = c.geo.kernel[2] = 5;
  c.geo.stride[1] = c.geo.stride[2] = 2;
  c.geo.pad_begin[1] = 1;
  c.geo.pad_begin[2] = 2;
  c.geo.out[1] = 4;
  c.geo.out[2] = 5;
  c.in_channels = 6;
  c.out_channels = 12;
  c.group = 6;
  DepthwiseQ8Params p;
  ASSERT_TRUE(ref::depthwise_q8_params_from_conv(c, &p));
  EXPECT_EQ(p.multiplier, 2);
  EXPECT_EQ(p.channels, 6);
  EXPECT_EQ(p.kernel_h, 5);
  EXPECT_EQ(p.stride_w, 2);
  EXPECT_EQ(p.pad_top, 1);
  EXPECT_EQ(p.pad_left, 2);
  EXPECT_EQ(p.out_w, 5);
  c.group = 3;
  EXPECT_FALSE(ref::depthwise_q8_params_from_conv(c, &p)) << "grouped, not depthwise";
  c.group = 6;
  c.geo.spatial = 3;
  EXPECT_FALSE(ref::depthwise_q8_params_from_conv(c, &p)) << "3-D";
}

class DepthwiseConvQ8Simd : public ::testing::TestWithParam<Isa> {
 protected:
  DepthwiseQ8Fn variant() {
    const Isa isa = GetParam();
    if (min_isa(best_isa(), isa) != isa) return nullptr;
    return ref::depthwise_conv_q8_variant(isa);
  }
  void check(const Problem& pr, DepthwiseQ8Fn fn, int threads = 1) {
    const std::vector<uint8_t> want = pr.run(ref::depthwise_conv_q8_ref, 1);
    EXPECT_TRUE(same(pr.run(fn, threads), want, pr)) << "threads " << threads;
  }
};

#define WISP_DW_VARIANT_OR_SKIP(fn)                                                                           \
  const DepthwiseQ8Fn fn = variant();                                                                       \
  if (!fn) GTEST_SKIP() << "no depthwise int8 kernel for " << isa_name(GetParam()) << " on this CPU/build"

TEST_P(DepthwiseConvQ8Simd, WidthsAroundTheVector) {
  WISP_DW_VARIANT_OR_SKIP(fn);
  uint32_t seed = 10;
  for (int64_t k : {3, 5})
    for (int64_t s : {1, 2})
      for (int64_t w : {1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 64, 65, 100}) {
        if ((w + 2 * (k / 2) - k) < 0) continue;
        const Shape2 sh{1, 3, 1, s == 2 ? 7 : 4, w, k, k, s, s, 1, 1, k / 2, k / 2, k / 2, k / 2};
        check(make_problem(sh, false, 117, 3, 0.0123, seed++), fn);
        check(make_problem(sh, true, 0, -7, 0.0071, seed++), fn);
      }
}

TEST_P(DepthwiseConvQ8Simd, PaddingStridesAndOddSizes) {
  WISP_DW_VARIANT_OR_SKIP(fn);
  uint32_t seed = 100;
  const Shape2 shapes[] = {
      {2, 5, 1, 9, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},     // stride 2, odd sizes, batch 2
      {1, 7, 1, 11, 19, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2},    // 5x5 stride 2, odd
      {1, 3, 1, 8, 21, 3, 3, 1, 1, 1, 1, 0, 2, 3, 1},     // asymmetric pads
      {1, 3, 1, 6, 10, 3, 3, 1, 1, 1, 1, 4, 5, 4, 6},     // pads wider than the filter
      {1, 3, 1, 10, 18, 5, 5, 2, 2, 1, 1, 0, 0, 1, 0},    // stride 2, only end padding
      {1, 2, 1, 9, 23, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0},     // stride 2, last input column unused
      {1, 3, 1, 9, 40, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1},     // strides differ (1, 2)
      {1, 3, 1, 9, 40, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1},     // strides differ (2, 1)
      {1, 3, 1, 12, 37, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1},    // stride 3
      {1, 3, 1, 12, 37, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    // dilation 2
      {1, 3, 1, 13, 37, 3, 3, 2, 2, 2, 3, 1, 3, 1, 3},    // dilation and stride 2
      {1, 3, 2, 8, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     // channel multiplier 2
      {1, 4, 1, 9, 30, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},     // 1x1
      {1, 3, 1, 9, 30, 3, 5, 1, 2, 1, 1, 1, 2, 1, 2},     // 3x5
      {1, 3, 1, 12, 30, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3},    // 7x7 (49 taps)
      {1, 2, 1, 14, 14, 9, 9, 1, 1, 1, 1, 4, 4, 4, 4},    // 9x9: more taps than the SIMD table
      {1, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},      // 1x1 image, all padding around
  };
  for (const Shape2& sh : shapes) {
    check(make_problem(sh, false, 128, 0, 0.004, seed++), fn);
    check(make_problem(sh, false, 0, 255, 0.004, seed++), fn);
    check(make_problem(sh, true, -3, 5, 0.009, seed++, true), fn);
    check(make_problem(sh, false, 77, 20, 0.02, seed++, true), fn);
    check(make_problem(sh, false, 140, -20, 0.01, seed++, false, 1), fn);  // uint8 X -> int8 Y
    check(make_problem(sh, true, 3, 128, 0.01, seed++, false, 0), fn);     // int8 X -> uint8 Y
  }
}

TEST_P(DepthwiseConvQ8Simd, RequantizationShiftsAndTies) {
  WISP_DW_VARIANT_OR_SKIP(fn);
  const Shape2 sh{1, 5, 1, 6, 37, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  uint32_t seed = 500;
  // Ratios with shift 31..40 and beyond (AVX2's low-dword and high-dword paths), >= 1
  // (shift <= 30: the scalar path), powers of two (exact ties: round half up), tiny.
  for (double scale : {0.9, 0.6, 0.5, 0.49, 0.25, 0.125, 1.0 / 1024, 0.3e-3, 1e-7, 1e-11, 1.0, 1.7, 3.0, 300.0})
    for (bool s : {false, true}) {
      Problem pr = make_problem(sh, s, s ? 0 : 100, s ? 1 : 128, scale, seed++);
      // Small accumulators so that large ratios do not all saturate.
      for (auto& b : pr.bias) b %= 300;
      for (auto& w : pr.w) w = static_cast<int8_t>(w / 16);
      check(pr, fn);
    }
}

TEST_P(DepthwiseConvQ8Simd, BandsAndWideRows) {
  WISP_DW_VARIANT_OR_SKIP(fn);
  // 300 rows of 120: several row bands per plane (the band buffer is 32 KiB).
  check(make_problem(Shape2{1, 2, 1, 300, 120, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, false, 9, 4, 0.01, 900), fn);
  check(make_problem(Shape2{1, 2, 1, 301, 121, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2}, true, 0, 0, 0.01, 901), fn);
  // Rows wider than the SIMD row buffer: the reference fallback.
  check(make_problem(Shape2{1, 1, 1, 3, 3000, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, false, 9, 4, 0.01, 902), fn);
}

TEST_P(DepthwiseConvQ8Simd, SameResultForAnyThreadCount) {
  WISP_DW_VARIANT_OR_SKIP(fn);
  const Problem pr = make_problem(Shape2{2, 7, 1, 15, 29, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, false, 33, 12, 0.008, 77);
  const std::vector<uint8_t> one = pr.run(fn, 1);
  EXPECT_TRUE(same(one, pr.run(ref::depthwise_conv_q8_ref, 1), pr));
  for (int threads : {2, 3}) {
    EXPECT_TRUE(same(pr.run(fn, threads), one, pr)) << "threads " << threads;
    EXPECT_TRUE(same(pr.run(ref::depthwise_conv_q8_ref, threads), one, pr)) << "reference, threads " << threads;
  }
}

TEST(DepthwiseConvQ8Select, PicksTheBestAllowedVariant) {
  EXPECT_EQ(ref::depthwise_conv_q8_for(Isa::kRef), &ref::depthwise_conv_q8_ref);
  EXPECT_EQ(ref::depthwise_conv_q8_for(Isa::kPortable), &ref::depthwise_conv_q8_ref);
  if (DepthwiseQ8Fn avx2 = ref::depthwise_conv_q8_variant(Isa::kAvx2)) {
    EXPECT_EQ(ref::depthwise_conv_q8_for(Isa::kAvx2), avx2);
    EXPECT_NE(ref::depthwise_conv_q8_for(Isa::kAvx512), &ref::depthwise_conv_q8_ref);
  }
  if (DepthwiseQ8Fn neon = ref::depthwise_conv_q8_variant(Isa::kNeon)) {
    EXPECT_EQ(ref::depthwise_conv_q8_for(Isa::kNeon), neon);
  }
#if defined(__x86_64__)
  EXPECT_NE(ref::depthwise_conv_q8_variant(Isa::kAvx2), nullptr) << "the AVX2 file registers itself";
  EXPECT_NE(ref::depthwise_conv_q8_variant(Isa::kAvx512), nullptr);
#elif defined(__aarch64__)
  EXPECT_NE(ref::depthwise_conv_q8_variant(Isa::kNeon), nullptr);
#endif
}

INSTANTIATE_TEST_SUITE_P(AllIsas, DepthwiseConvQ8Simd, ::testing::Values(Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const ::testing::TestParamInfo<Isa>& param) { return std::string(isa_name(param.param)); });

}  // namespace
}  // namespace wisp
