// Depthwise fixed-point QLinearConv through the registered integer Conv kernels (x86
// AVX2/AVX-512: kernels/x86/qconv_u8_ops.cpp; aarch64 NEON: kernels/arm/qconv_q8_neon.cpp),
// which hand group == channels to the depthwise kernels (kernels/ref/depthwise_conv_q8.hpp),
// against the reference fixed-point QLinearConv -- an independent oracle (im2col +
// qgemm_ref), bit for bit: 3x3 and 5x5, stride 1 and 2, odd sizes, padding, channel
// multiplier 2, u8/s8 in and out, zero points, clamps, batches, 1-3 threads.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qgemm.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

struct DwCase {
  int64_t batch, channels, mult, h, w, k, stride, pad;
  bool x_signed, y_signed;
  int32_t x_zp, y_zp, qmin, qmax;
};

ref::QConvParams make_params(const DwCase& c, std::mt19937& rng) {
  ref::QConvParams p;
  p.fixed_point = true;
  ref::ConvParams& cp = p.conv;
  cp.batch = c.batch;
  cp.in_channels = cp.group = c.channels;
  cp.out_channels = c.channels * c.mult;
  ref::WindowGeometry& g = cp.geo;
  g.spatial = 2;
  g.in[1] = c.h;
  g.in[2] = c.w;
  for (int d = 1; d < 3; ++d) {
    g.kernel[d] = c.k;
    g.stride[d] = c.stride;
    g.pad_begin[d] = g.pad_end[d] = c.pad;
    g.out[d] = (g.in[d] + 2 * c.pad - c.k) / c.stride + 1;
  }
  ref::QGemm& q = p.q;
  q.channels = c.mult;
  q.k = c.k * c.k;
  q.x_signed = c.x_signed;
  q.y_signed = c.y_signed;
  q.x_zero_point = c.x_zp;
  q.y_zero_point = c.y_zp;
  q.qmin = c.qmin;
  q.qmax = c.qmax;
  std::uniform_int_distribution<int> wd(-128, 127), bd(-3000, 3000);
  std::uniform_real_distribution<double> sd(0.002, 0.02);
  q.weights.resize(static_cast<size_t>(cp.out_channels * q.k));
  for (auto& v : q.weights) v = static_cast<int8_t>(wd(rng));
  for (int64_t m = 0; m < cp.out_channels; ++m) {
    int32_t s = 0;
    for (int64_t i = 0; i < q.k; ++i) s += q.weights[m * q.k + i];
    q.weight_sums.push_back(s);
    q.bias.push_back(bd(rng));
    q.multiplier.push_back(quant::quantize_multiplier(sd(rng)));
  }
  return p;
}

Tensor run_conv(KernelFn fn, const ref::QConvParams& p, const Tensor& x, ThreadPool* pool) {
  const ref::ConvParams& c = p.conv;
  Tensor y(p.q.y_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.out_channels, c.geo.out[1], c.geo.out[2]});
  std::memset(y.as<uint8_t>(), 0xA5, static_cast<size_t>(y.numel()));
  // The reference im2cols one group (depthwise: k x positions bytes); nothing else needed.
  std::vector<uint8_t> scratch(static_cast<size_t>(ref::conv_col_elems(c) + 64));
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, pool};
  fn(args);
  return y;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel())) == 0;
}

class QConvDepthwise : public ::testing::TestWithParam<Isa> {};

TEST_P(QConvDepthwise, MatchesReferenceAndThreads) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU does not allow " << isa_name(isa);
  const KernelFn ref_fn = find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef);
  std::mt19937 rng(3);
  const DwCase cases[] = {{1, 8, 1, 14, 14, 3, 1, 1, false, false, 128, 3, 0, 255},
                          {2, 5, 1, 17, 33, 3, 2, 1, false, false, 7, 100, 0, 255},
                          {1, 3, 1, 11, 19, 5, 2, 2, true, true, 0, 0, -128, 127},
                          {1, 4, 1, 9, 40, 5, 1, 2, false, true, 200, -10, -10, 127},
                          {1, 6, 1, 7, 7, 3, 1, 1, true, false, -3, 20, 20, 255},
                          {1, 3, 2, 10, 21, 3, 1, 0, false, false, 60, 9, 9, 150}};
  for (const DwCase& c : cases) {
    const DType xdt = c.x_signed ? DType::kI8 : DType::kU8;
    const KernelFn fn = find_kernel("", "QLinearConv", xdt, isa);
    if (fn == find_kernel("", "QLinearConv", xdt, Isa::kPortable)) GTEST_SKIP() << "no QLinearConv for " << isa_name(isa);
    const ref::QConvParams p = make_params(c, rng);
    Tensor x(xdt, Shape{c.batch, c.channels, c.h, c.w});
    for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
    const Tensor want = run_conv(ref_fn, p, x, nullptr);
    EXPECT_TRUE(same(run_conv(fn, p, x, nullptr), want)) << "case " << (&c - cases);
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      EXPECT_TRUE(same(run_conv(fn, p, x, &pool), want)) << "case " << (&c - cases) << " threads " << threads;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, QConvDepthwise, ::testing::Values(Isa::kAvx2, Isa::kAvx512, Isa::kNeon),
                         [](const ::testing::TestParamInfo<Isa>& param) { return std::string(isa_name(param.param)); });

}  // namespace
}  // namespace wisp
