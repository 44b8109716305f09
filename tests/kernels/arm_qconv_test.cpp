// The NEON fixed-point QLinearConv (kernels/arm/qconv_q8_neon.cpp): the int8 GEMM with
// both microkernels (sdot when the CPU has the dot product -- qemu-aarch64 does -- and the
// plain smull/sadalp one) and the depthwise kernel, against the reference fixed-point
// QLinearConv, bit for bit: positions around the 8-wide tile and the 64-position X tile,
// channels around the 8-channel block, K around multiples of 4, u8/s8 activations and
// outputs, zero points, clamps, strides, padding, dilation, batches, depthwise shapes;
// and identical results for 1, 2 and 3 threads. Built and run only for aarch64
// (scripts/test_aarch64.sh).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/arm/qgemm_q8_neon.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/matmul.hpp"
#include "kernels/ref/qgemm.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

struct QCase {
  int64_t batch, cin, h, w, cout, group, kh, kw, stride, pad, dil;
  bool x_signed, y_signed;
  int32_t x_zp, y_zp, qmin, qmax;
};

std::string describe(const QCase& c) {
  std::ostringstream o;
  o << "n" << c.batch << " c" << c.cin << " " << c.h << "x" << c.w << " m" << c.cout << " g" << c.group << " k"
    << c.kh << "x" << c.kw << " s" << c.stride << " p" << c.pad << " d" << c.dil << (c.x_signed ? " xs8" : " xu8")
    << (c.y_signed ? " ys8" : " yu8") << " xzp" << c.x_zp << " yzp" << c.y_zp << " clamp[" << c.qmin << ","
    << c.qmax << "]";
  return o.str();
}

ref::QConvParams make_params(const QCase& c, std::mt19937& rng) {
  ref::QConvParams p;
  p.fixed_point = true;
  ref::ConvParams& cp = p.conv;
  cp.batch = c.batch;
  cp.in_channels = c.cin;
  cp.out_channels = c.cout;
  cp.group = c.group;
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
  q.channels = c.cout / c.group;
  q.k = c.cin / c.group * c.kh * c.kw;
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
  q.weights[0] = -128;  // the extreme weight too
  for (int64_t m = 0; m < c.cout; ++m) {
    int32_t s = 0;
    for (int64_t i = 0; i < q.k; ++i) s += q.weights[m * q.k + i];
    q.weight_sums.push_back(s);
    q.bias.push_back(bd(rng));
    q.multiplier.push_back(quant::quantize_multiplier(sd(rng) * 60.0 / (std::sqrt(double(q.k)) * 127 * 74)));
  }
  return p;
}

// Runs `fn` (a QLinearConv kernel) or, with mk, the NEON GEMM on that microkernel.
Tensor run_conv(KernelFn fn, const arm::QGemmNeonKernel* mk, const ref::QConvParams& p, const Tensor& x,
                ThreadPool* pool) {
  const ref::ConvParams& c = p.conv;
  Tensor y(p.q.y_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.out_channels, c.geo.out[1], c.geo.out[2]});
  std::memset(y.as<uint8_t>(), 0xA5, static_cast<size_t>(y.numel()));  // unwritten elements show
  std::vector<uint8_t> scratch(static_cast<size_t>(ref::conv_col_elems(c) +
                                                   ref::kQGemmSlots * ref::qgemm_slot_bytes(p.q.k) + 64));
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, pool};
  if (mk) {
    EXPECT_TRUE(arm::run_qlinear_conv_gemm_q8_neon(args, mk));
  } else {
    fn(args);
  }
  return y;
}

::testing::AssertionResult same_bytes(const Tensor& got, const Tensor& want) {
  for (int64_t i = 0; i < want.numel(); ++i)
    if (got.as<uint8_t>()[i] != want.as<uint8_t>()[i])
      return ::testing::AssertionFailure() << "element " << i << ": " << int(got.as<uint8_t>()[i]) << " vs reference "
                                           << int(want.as<uint8_t>()[i]) << " (raw bytes)";
  return ::testing::AssertionSuccess();
}

std::vector<QCase> gemm_cases() {
  std::vector<QCase> out;
  // Pointwise: positions below/at/above 8 and 64, channels around 8, K around 4.
  for (int64_t hw : {1, 7, 8, 9, 63, 64, 65, 100})
    for (int64_t m : {1, 7, 8, 9, 17})
      for (int64_t cin : {1, 3, 4, 5, 16})
        out.push_back({1, cin, 1, hw, m, 1, 1, 1, 1, 0, 1, false, false, 128, 100, 0, 255});
  out.push_back({2, 3, 9, 11, 7, 1, 3, 3, 1, 1, 1, false, false, 3, 7, 0, 255});
  out.push_back({1, 8, 14, 14, 16, 1, 3, 3, 2, 1, 1, false, false, 0, 0, 0, 255});
  out.push_back({1, 5, 13, 10, 9, 1, 3, 3, 2, 0, 1, false, false, 255, 128, 0, 255});
  out.push_back({1, 4, 12, 12, 6, 1, 3, 3, 1, 2, 2, false, false, 50, 10, 10, 200});
  out.push_back({1, 3, 17, 17, 33, 1, 5, 5, 1, 2, 1, false, false, 20, 60, 60, 255});
  out.push_back({1, 64, 8, 8, 24, 1, 3, 3, 1, 1, 1, false, false, 77, 128, 0, 255});
  out.push_back({1, 6, 10, 10, 11, 1, 3, 3, 1, 1, 1, true, true, 0, 0, -128, 127});
  out.push_back({2, 5, 7, 9, 12, 1, 1, 1, 1, 0, 1, true, false, -5, 17, 17, 255});
  out.push_back({1, 7, 9, 9, 5, 1, 3, 3, 2, 1, 1, false, true, 9, -3, -3, 100});
  out.push_back({1, 16, 6, 6, 40, 1, 1, 1, 1, 0, 1, true, true, 10, -20, -128, 127});
  return out;
}

std::vector<QCase> depthwise_cases() {
  return {{1, 8, 14, 14, 8, 8, 3, 3, 1, 1, 1, false, false, 128, 3, 0, 255},
          {2, 5, 17, 33, 5, 5, 3, 3, 2, 1, 1, false, false, 7, 100, 0, 255},
          {1, 3, 11, 19, 6, 3, 5, 5, 2, 2, 1, true, true, 0, 0, -128, 127},
          {1, 4, 9, 40, 4, 4, 5, 5, 1, 2, 1, false, true, 200, -10, -10, 127},
          {1, 6, 7, 7, 6, 6, 3, 3, 1, 1, 1, true, false, -3, 20, 20, 255}};
}

Tensor random_x(const QCase& c, std::mt19937& rng) {
  Tensor x(c.x_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.cin, c.h, c.w});
  std::uniform_int_distribution<int> xd(0, 255);
  for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(xd(rng));
  return x;
}

// Looked up when called: the registrations are other files' static initialisers.
KernelFn ref_conv() { return find_kernel("", "QLinearConv", DType::kUndefined, Isa::kRef); }

TEST(ArmQConv, GemmPlainMatchesReference) {
  std::mt19937 rng(7);
  for (const QCase& c : gemm_cases()) {
    const ref::QConvParams p = make_params(c, rng);
    const Tensor x = random_x(c, rng);
    EXPECT_TRUE(same_bytes(run_conv(nullptr, arm::qgemm_neon_plain_kernel(), p, x, nullptr),
                           run_conv(ref_conv(), nullptr, p, x, nullptr)))
        << describe(c);
  }
}

TEST(ArmQConv, GemmDotProductMatchesReference) {
  if (!cpu_features().dotprod) GTEST_SKIP() << "the CPU has no dot product (sdot)";
  std::mt19937 rng(8);
  for (const QCase& c : gemm_cases()) {
    const ref::QConvParams p = make_params(c, rng);
    const Tensor x = random_x(c, rng);
    EXPECT_TRUE(same_bytes(run_conv(nullptr, arm::qgemm_neon_dot_kernel(), p, x, nullptr),
                           run_conv(ref_conv(), nullptr, p, x, nullptr)))
        << describe(c);
  }
}

TEST(ArmQConv, RegisteredKernelRunsGemmAndDepthwise) {
  const KernelFn neon = find_kernel("", "QLinearConv", DType::kU8, Isa::kNeon);
  ASSERT_NE(neon, find_kernel("", "QLinearConv", DType::kU8, Isa::kPortable)) << "no NEON QLinearConv registered";
  std::mt19937 rng(9);
  std::vector<QCase> all = depthwise_cases();
  for (const QCase& c : gemm_cases())
    if (c.cin >= 3) all.push_back(c);
  for (const QCase& c : all) {
    const ref::QConvParams p = make_params(c, rng);
    const Tensor x = random_x(c, rng);
    EXPECT_TRUE(same_bytes(run_conv(neon, nullptr, p, x, nullptr), run_conv(ref_conv(), nullptr, p, x, nullptr)))
        << describe(c);
  }
}

TEST(ArmQConv, SameResultForOneTwoThreeThreads) {
  const KernelFn neon = find_kernel("", "QLinearConv", DType::kU8, Isa::kNeon);
  std::mt19937 rng(11);
  for (const QCase& c : {QCase{1, 16, 20, 20, 24, 1, 3, 3, 1, 1, 1, false, false, 3, 5, 0, 255},
                         QCase{3, 8, 5, 5, 3, 1, 1, 1, 1, 0, 1, false, false, 100, 5, 0, 255},
                         QCase{2, 7, 15, 29, 7, 7, 3, 3, 2, 1, 1, false, false, 33, 12, 0, 255}}) {
    const ref::QConvParams p = make_params(c, rng);
    const Tensor x = random_x(c, rng);
    const Tensor one = run_conv(neon, nullptr, p, x, nullptr);
    EXPECT_TRUE(same_bytes(one, run_conv(ref_conv(), nullptr, p, x, nullptr))) << describe(c);
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      EXPECT_TRUE(same_bytes(run_conv(neon, nullptr, p, x, &pool), one)) << describe(c) << " threads " << threads;
    }
  }
}

// Fixed-point QLinearMatMul: A [batch, m, k] (u8 or s8), B [k, n] int8 (QGemm holds it
// transposed), through the registered NEON kernel and each microkernel vs the reference.
TEST(ArmQMatMul, MatchesReferenceBothMicrokernels) {
  const KernelFn neon = find_kernel("", "QLinearMatMul", DType::kU8, Isa::kNeon);
  const KernelFn reference = find_kernel("", "QLinearMatMul", DType::kUndefined, Isa::kRef);
  ASSERT_NE(neon, find_kernel("", "QLinearMatMul", DType::kU8, Isa::kPortable)) << "no NEON QLinearMatMul registered";
  std::mt19937 rng(21);
  struct MCase {
    int64_t batch, m, k, n;
    bool x_signed, y_signed;
    int32_t x_zp, y_zp;
  };
  int checked = 0;
  for (const MCase& c : {MCase{1, 1, 1, 1, false, false, 0, 0}, MCase{1, 1, 64, 10, false, false, 128, 100},
                         MCase{1, 7, 5, 9, false, false, 3, 7}, MCase{2, 9, 17, 8, true, true, 0, 0},
                         MCase{1, 65, 33, 17, false, true, 200, -5}, MCase{3, 64, 8, 7, true, false, -9, 128},
                         MCase{1, 130, 100, 24, false, false, 77, 9}}) {
    ref::QMatMulParams p;
    p.fixed_point = true;
    p.mm.m = c.m;
    p.mm.k = c.k;
    p.mm.n = c.n;
    p.mm.batch_rank = 1;
    p.mm.batch[0] = c.batch;
    p.mm.a_batch_stride[0] = c.m * c.k;
    p.mm.b_batch_stride[0] = 0;
    p.mm.batch_count = c.batch;
    ref::QGemm& q = p.q;
    q.channels = c.n;
    q.k = c.k;
    q.x_signed = c.x_signed;
    q.y_signed = c.y_signed;
    q.x_zero_point = c.x_zp;
    q.y_zero_point = c.y_zp;
    q.qmin = c.y_signed ? -128 : 0;
    q.qmax = c.y_signed ? 127 : 255;
    std::uniform_int_distribution<int> wd(-128, 127), bd(-3000, 3000), xd(0, 255);
    q.weights.resize(static_cast<size_t>(c.n * c.k));
    for (auto& v : q.weights) v = static_cast<int8_t>(wd(rng));
    for (int64_t ch = 0; ch < c.n; ++ch) {
      int32_t s = 0;
      for (int64_t i = 0; i < c.k; ++i) s += q.weights[ch * c.k + i];
      q.weight_sums.push_back(s);
      q.bias.push_back(bd(rng));
      q.multiplier.push_back(quant::quantize_multiplier(0.5 / (std::sqrt(double(c.k)) * 127)));
    }
    Tensor a(c.x_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.m, c.k});
    for (int64_t i = 0; i < a.numel(); ++i) a.as<uint8_t>()[i] = static_cast<uint8_t>(xd(rng));
    std::vector<uint8_t> scratch(static_cast<size_t>(ref::kQGemmSlots * ref::qgemm_slot_bytes(c.k) + 64));
    const auto run = [&](KernelFn fn, const arm::QGemmNeonKernel* mk, int threads) {
      Tensor y(c.y_signed ? DType::kI8 : DType::kU8, Shape{c.batch, c.m, c.n});
      std::memset(y.as<uint8_t>(), 0xA5, static_cast<size_t>(y.numel()));
      ThreadPool pool(threads);
      TensorView av = a.view(), yv = y.view();
      const TensorView* ins[] = {&av};
      TensorView* outs[] = {&yv};
      KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, &pool};
      if (mk) {
        EXPECT_TRUE(arm::run_qlinear_matmul_gemm_q8_neon(args, mk));
      } else {
        fn(args);
      }
      return y;
    };
    const Tensor want = run(reference, nullptr, 1);
    EXPECT_TRUE(same_bytes(run(nullptr, arm::qgemm_neon_plain_kernel(), 1), want)) << "plain, case " << checked;
    if (cpu_features().dotprod) {
      EXPECT_TRUE(same_bytes(run(nullptr, arm::qgemm_neon_dot_kernel(), 1), want)) << "sdot, case " << checked;
    }
    for (int threads : {1, 2, 3}) EXPECT_TRUE(same_bytes(run(neon, nullptr, threads), want)) << "registered, case " << checked << " threads " << threads;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

}  // namespace
}  // namespace wisp
