// The fixed-point QLinearMatMul (wisp_fixed_point=1): the reference against a hand-computed
// case (9th input: int32 bias), and the x86 variants against the reference bit for bit over
// M (positions: around the 8/32/64 tiles), N (channels: around the 4/8 blocks), K (around
// multiples of 4), batches, u8/s8 in and out, zero points and clamps; 1/2/3 threads.
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

TEST(QMatMulFixedPoint, HandComputedWithBias) {
  // A [2, 3] u8 zp 1, scale 0.5; B [3, 2] int8 per-column scales {1, 0.5}; bias {2, -4};
  // y scale 1, zp 10.  acc col0 = sum (a-1) b0 + 2, col1 = sum (a-1) b1 - 4.
  const Tensor a = Tensor::from<uint8_t>({2, 3}, {1, 2, 3, 5, 1, 4});
  const Tensor b = Tensor::from<int8_t>({3, 2}, {1, 2, -1, 3, 2, 0});
  Attributes at;
  at.set_int("wisp_fixed_point", 1);
  const Tensor y = test::run_op("QLinearMatMul",
                                {{a}, {Tensor::from<float>({}, {0.5f}), true}, {Tensor::from<uint8_t>({}, {1}), true},
                                 {b, true}, {Tensor::from<float>({2}, {1.0f, 0.5f}), true},
                                 {Tensor::from<int8_t>({2}, {0, 0}), true}, {Tensor::from<float>({}, {1.0f}), true},
                                 {Tensor::from<uint8_t>({}, {10}), true}, {Tensor::from<int32_t>({2}, {2, -4}), true}},
                                at)[0];
  // row0: a-1 = {0,1,2}: col0 = -1 + 4 + 2 = 5 -> *0.5 = 2.5 -> 3 (+10 = 13);
  //                      col1 = 3 + 0 - 4 = -1 -> *0.25 = -0.25 -> 0 (10)
  // row1: a-1 = {4,0,3}: col0 = 4 + 6 + 2 = 12 -> 6 (16); col1 = 8 - 4 = 4 -> 1 (11)
  EXPECT_EQ(std::vector<uint8_t>(y.as<uint8_t>(), y.as<uint8_t>() + 4), (std::vector<uint8_t>{13, 10, 16, 11}));
}

ref::QMatMulParams make_params(int64_t batch, int64_t m, int64_t n, int64_t k, bool xs, bool ys, std::mt19937& rng) {
  ref::QMatMulParams p;
  p.fixed_point = true;
  p.mm.m = m;
  p.mm.n = n;
  p.mm.k = k;
  p.mm.batch_count = batch;
  p.mm.batch_rank = 1;
  p.mm.batch[0] = batch;
  p.mm.a_batch_stride[0] = m * k;
  p.mm.b_batch_stride[0] = 0;
  ref::QGemm& q = p.q;
  q.channels = n;
  q.k = k;
  q.x_signed = xs;
  q.y_signed = ys;
  q.x_zero_point = static_cast<int32_t>(rng() % 256) - (xs ? 128 : 0);
  q.y_zero_point = static_cast<int32_t>(rng() % 256) - (ys ? 128 : 0);
  q.qmin = ys ? -128 : 0;
  q.qmax = ys ? 127 : 255;
  if (rng() % 2) q.qmin = q.y_zero_point;  // a fused Relu
  for (int64_t i = 0; i < n * k; ++i) q.weights.push_back(static_cast<int8_t>(static_cast<int>(rng() % 255) - 127));
  for (int64_t c = 0; c < n; ++c) {
    int32_t s = 0;
    for (int64_t i = 0; i < k; ++i) s += q.weights[c * k + i];
    q.weight_sums.push_back(s);
    q.bias.push_back(static_cast<int32_t>(rng() % 4001) - 2000);
    q.multiplier.push_back(quant::quantize_multiplier((0.5 + rng() % 100 / 50.0) * 60.0 / (std::sqrt(double(k)) * 127 * 74)));
  }
  return p;
}

Tensor run(KernelFn fn, const ref::QMatMulParams& p, const Tensor& x, ThreadPool* pool) {
  Tensor y(p.q.y_signed ? DType::kI8 : DType::kU8, Shape{p.mm.batch_count, p.mm.m, p.mm.n});
  std::memset(y.as<uint8_t>(), 0xA5, static_cast<size_t>(y.numel()));
  std::vector<uint8_t> scratch(static_cast<size_t>(ref::kQGemmSlots * ref::qgemm_slot_bytes(p.q.k) + 64));
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, pool};
  fn(args);
  return y;
}

class QMatMulSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(QMatMulSimd, MatchesReferenceBitExactAnyThreads) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU lacks " << isa_name(isa);
  KernelFn ref_fn = find_kernel("", "QLinearMatMul", DType::kUndefined, Isa::kRef);
  std::mt19937 rng(5);
  int checked = 0;
  for (int64_t m : {1, 3, 8, 33, 64, 65, 130})
    for (int64_t n : {1, 4, 7, 8, 9, 33})
      for (int64_t k : {1, 3, 4, 5, 64, 100}) {
        const bool xs = rng() % 2, ys = rng() % 2;
        const int64_t batch = m < 10 ? 2 : 1;
        const ref::QMatMulParams p = make_params(batch, m, n, k, xs, ys, rng);
        const DType xdt = xs ? DType::kI8 : DType::kU8;
        KernelFn fn = find_kernel("", "QLinearMatMul", xdt, isa);
        ASSERT_NE(fn, ref_fn);
        Tensor x(xdt, Shape{batch, m, k});
        for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
        const Tensor want = run(ref_fn, p, x, nullptr);
        const Tensor got = run(fn, p, x, nullptr);
        ThreadPool pool3(3);
        const Tensor got3 = run(fn, p, x, &pool3);
        for (int64_t i = 0; i < want.numel(); ++i) {
          ASSERT_EQ(got.as<uint8_t>()[i], want.as<uint8_t>()[i]) << "m " << m << " n " << n << " k " << k << " at " << i;
          ASSERT_EQ(got3.as<uint8_t>()[i], want.as<uint8_t>()[i]) << "3 threads, m " << m << " n " << n << " k " << k;
        }
        ++checked;
      }
  EXPECT_EQ(checked, 7 * 6 * 6);
}

// Single rows (and up to 4: batch x m) take the matrix-vector form on AVX-512 VNNI
// (qgemm_x86_gemv): channels around the 8-channel blocks and the 4-block unroll, K with
// an odd and an even number of 4-byte groups and a partial last group, 1 and 3 threads.
TEST_P(QMatMulSimd, FewRowsMatchReference) {
  const Isa isa = GetParam();
  if (min_isa(best_isa(), isa) != isa) GTEST_SKIP() << "the CPU lacks " << isa_name(isa);
  KernelFn ref_fn = find_kernel("", "QLinearMatMul", DType::kUndefined, Isa::kRef);
  std::mt19937 rng(9);
  for (int64_t rows : {1, 2, 4, 5})
    for (int64_t n : {1, 8, 31, 32, 33, 70, 1000})
      for (int64_t k : {4, 8, 10, 12, 61, 1280}) {
        const bool xs = rng() % 2, ys = rng() % 2;
        const int64_t batch = rows == 4 ? 2 : 1, m = rows / batch;
        const ref::QMatMulParams p = make_params(batch, m, n, k, xs, ys, rng);
        const DType xdt = xs ? DType::kI8 : DType::kU8;
        KernelFn fn = find_kernel("", "QLinearMatMul", xdt, isa);
        Tensor x(xdt, Shape{batch, m, k});
        for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
        const Tensor want = run(ref_fn, p, x, nullptr);
        ThreadPool pool3(3);
        const Tensor got = run(fn, p, x, nullptr), got3 = run(fn, p, x, &pool3);
        for (int64_t i = 0; i < want.numel(); ++i) {
          ASSERT_EQ(got.as<uint8_t>()[i], want.as<uint8_t>()[i]) << "rows " << rows << " n " << n << " k " << k << " at " << i;
          ASSERT_EQ(got3.as<uint8_t>()[i], want.as<uint8_t>()[i]) << "3 threads, rows " << rows << " n " << n << " k " << k;
        }
      }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(Isas, QMatMulSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
