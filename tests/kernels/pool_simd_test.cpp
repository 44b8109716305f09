// The x86 pools (pool_f32_avx2.cpp, pool_f32_avx512.cpp) against the reference pools, for
// AVX2 and AVX-512. MaxPool and AveragePool must be bit-identical to the reference (same
// tap order, a true division); GlobalAveragePool sums in vector lanes, so it is compared
// with a tolerance. Rows narrower than, equal to and wider than one and four vectors, odd
// channel counts, kernels 2..7, strides 1, 2 (3: reference path), asymmetric pads,
// ceil_mode, count_include_pad both ways, dilation; 1 vs 2 vs 3 threads bit-identical.
// Also ReduceMean over the innermost axes, which shares GlobalAveragePool's kernel, and over
// middle axes with kept inner ones (NHWC's mean over H, W).
#include <gtest/gtest.h>

#include "kernels/simd_window_test_util.hpp"

namespace wisp {
namespace {

struct PoolCase {
  const char* op;
  Shape x;
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceil_mode = false;
  bool count_include_pad = false;
};

Tensor run_pool(const PoolCase& c, Isa isa, int threads) {
  Attributes at;
  at.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (c.ceil_mode) at.set_int("ceil_mode", 1);
  if (c.count_include_pad) at.set_int("count_include_pad", 1);
  return test::run_window_op(c.op, test::random_f32(c.x, 5), {}, at, 1, isa, threads).at(0);
}

void check_pools(const std::vector<PoolCase>& cases) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "case " << i << " " << cases[i].op << " x " << cases[i].x.str());
    const Tensor want = run_pool(cases[i], Isa::kRef, 1);
    for (Isa isa : isas) {
      SCOPED_TRACE(isa_name(isa));
      for (int threads : {1, 2, 3}) ASSERT_TRUE(test::bit_identical(run_pool(cases[i], isa, threads), want));
    }
  }
}

TEST(PoolSimd, RowWidthsStridesPads) {
  std::vector<PoolCase> cases;
  for (const char* op : {"MaxPool", "AveragePool"}) {
    for (int64_t w : {1, 3, 7, 8, 9, 15, 16, 17, 33, 64, 65, 112}) {
      cases.push_back({op, Shape{1, 3, 7, w}, {3, 3}, {1, 1}, {1, 1, 1, 1}});
      cases.push_back({op, Shape{1, 5, 9, 2 * w + 1}, {3, 3}, {2, 2}, {1, 1, 1, 1}});
      cases.push_back({op, Shape{1, 3, 8, 2 * w}, {2, 2}, {2, 2}, {}});
    }
  }
  check_pools(cases);
}

TEST(PoolSimd, CeilModeIncludePadDilationKernels) {
  std::vector<PoolCase> cases;
  for (const char* op : {"MaxPool", "AveragePool"}) {
    for (bool include_pad : {false, true}) {
      cases.push_back({op, Shape{2, 3, 11, 21}, {3, 3}, {2, 2}, {0, 1, 2, 0}, {}, false, include_pad});
      cases.push_back({op, Shape{1, 3, 11, 21}, {3, 3}, {2, 2}, {1, 2, 1, 1}, {}, true, include_pad});
      cases.push_back({op, Shape{1, 3, 12, 40}, {3, 3}, {2, 2}, {}, {}, true, include_pad});  // ceil past the end
      cases.push_back({op, Shape{1, 7, 13, 35}, {5, 5}, {1, 1}, {2, 2, 2, 2}, {}, false, include_pad});
      cases.push_back({op, Shape{1, 3, 13, 35}, {7, 7}, {2, 2}, {3, 3, 3, 3}, {}, true, include_pad});
      cases.push_back({op, Shape{1, 3, 13, 35}, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, false, include_pad});
      cases.push_back({op, Shape{1, 3, 13, 35}, {3, 3}, {3, 3}, {1, 1, 1, 1}, {}, false, include_pad});  // ref
      cases.push_back({op, Shape{1, 3, 13, 35}, {3, 2}, {2, 1}, {1, 0, 1, 1}, {}, false, include_pad});
      cases.push_back({op, Shape{1, 4, 37}, {3}, {2}, {1, 1}, {}, true, include_pad});  // 1-D
      // Pads as tall as the kernel: the first and last output rows see only padding.
      cases.push_back({op, Shape{1, 2, 4, 40}, {2, 2}, {1, 1}, {2, 0, 2, 0}, {}, false, include_pad});
    }
  }
  check_pools(cases);
}

TEST(PoolSimd, MaxPoolIndicesStayOnReference) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  Attributes at;
  at.set_ints("kernel_shape", {3, 3});
  at.set_ints("strides", {2, 2});
  const Tensor x = test::random_f32(Shape{1, 3, 9, 20}, 7);
  const auto want = test::run_window_op("MaxPool", x, {}, at, 2, Isa::kRef, 1);
  const auto got = test::run_window_op("MaxPool", x, {}, at, 2, isas.back(), 2);
  EXPECT_TRUE(test::bit_identical(got[0], want[0]));
  ASSERT_EQ(got[1].shape(), want[1].shape());
  for (int64_t i = 0; i < want[1].numel(); ++i) EXPECT_EQ(got[1].as<int64_t>()[i], want[1].as<int64_t>()[i]);
}

TEST(GlobalPoolSimd, PlaneSizes) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  for (int64_t hw : {1, 7, 8, 9, 15, 16, 17, 31, 49, 63, 64, 65, 196, 3136}) {
    SCOPED_TRACE(hw);
    const Tensor x = test::random_f32(Shape{2, 5, hw, 1}, 9, -1.0f, 3.0f);
    for (const char* op : {"GlobalMaxPool", "GlobalAveragePool"}) {
      SCOPED_TRACE(op);
      const Tensor want = test::run_window_op(op, x, {}, {}, 1, Isa::kRef, 1).at(0);
      for (Isa isa : isas) {
        const Tensor one = test::run_window_op(op, x, {}, {}, 1, isa, 1).at(0);
        if (std::string_view(op) == "GlobalMaxPool") {
          EXPECT_TRUE(test::bit_identical(one, want));
        } else {
          EXPECT_TRUE(test::tensors_near(one, want, 1e-5, 1e-6));
        }
        for (int threads : {2, 3})
          EXPECT_TRUE(test::bit_identical(test::run_window_op(op, x, {}, {}, 1, isa, threads).at(0), one));
      }
    }
  }
}

// ReduceMean over the innermost axes takes the GlobalAveragePool path, over middle axes the
// channel-vector path (float vector sums, where the reference sums in double); other axes
// stay on the reference.
TEST(ReduceMeanSimd, InnermostAxes) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  struct Case {
    Shape x;
    std::vector<int64_t> axes;
    bool keepdims;
  };
  const std::vector<Case> cases = {
      {Shape{2, 5, 7, 7}, {2, 3}, false}, {Shape{1, 3, 14, 14}, {-1, -2}, true}, {Shape{1, 7, 33}, {2}, true},
      {Shape{2, 3, 4, 5}, {1, 2, 3}, false}, {Shape{1, 2, 1, 17}, {2, 3}, true},
      // Middle axes with kept inner ones ([outer, R, inner]): channel vectors summed.
      {Shape{2, 3, 4, 5}, {1}, true}, {Shape{2, 3, 4, 5}, {2}, false}, {Shape{1, 7, 7, 1280}, {1, 2}, true},
      {Shape{2, 5, 3, 33}, {1, 2}, false}, {Shape{3, 2, 2, 130}, {-3, -2}, true}, {Shape{1, 1, 1, 16}, {1, 2}, true},
      {Shape{2, 3, 4, 5}, {0, 2}, false},  // not one block: reference
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const Case& c = cases[i];
    Attributes at;
    at.set_int("keepdims", c.keepdims ? 1 : 0);
    const Tensor x = test::random_f32(c.x, 11, -1.0f, 3.0f);
    Tensor axes(DType::kI64, Shape{static_cast<int64_t>(c.axes.size())});
    for (size_t k = 0; k < c.axes.size(); ++k) axes.as<int64_t>()[k] = c.axes[k];
    const Tensor want = test::run_window_op("ReduceMean", x, {axes}, at, 1, Isa::kRef, 1).at(0);
    for (Isa isa : isas) {
      const Tensor one = test::run_window_op("ReduceMean", x, {axes}, at, 1, isa, 1).at(0);
      EXPECT_TRUE(test::tensors_near(one, want, 1e-5, 1e-6));
      for (int threads : {2, 3})
        EXPECT_TRUE(test::bit_identical(test::run_window_op("ReduceMean", x, {axes}, at, 1, isa, threads).at(0), one));
    }
  }
}

}  // namespace
}  // namespace wisp
