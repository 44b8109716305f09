// The x86 NhwcMaxPool / NhwcAveragePool / NhwcGlobalAveragePool kernels
// (pool_nhwc_f32_*.cpp) for AVX2 and AVX-512 against the reference: the ONNX MaxPool /
// AveragePool / GlobalAveragePool run by a reference Session on the NCHW input, transposed
// to NHWC. The kernels visit the taps in the reference's order and divide like it, so
// the results must be bit-identical to it (and on 2 and 3 threads to 1 thread).
//
// Covered: channels below, at and above the vector widths and the 4-vector step (1..33,
// 64, 96, 144); planes smaller than the window, 7, 14 and odd; 2x2 / 3x3 / 5x5 windows at
// strides 1, 2, 3; symmetric and asymmetric pads; ceil_mode (windows running past the end
// padding); count_include_pad both ways; dilation 2 (both pools, opset 19); batch 2.
// GCC 12 reports a false -Wrestrict in std::string's char_traits once test::run_node's
// "x" + std::to_string(i) is inlined here (its location is the library header, so the
// pragma has to come before every include).
#pragma GCC diagnostic ignored "-Wrestrict"
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include "kernels/nhwc_simd_test_util.hpp"
#include "kernels/ref/pool.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

struct PoolCase {
  int64_t n, c, h, w;
  int64_t kh, kw;
  std::vector<int64_t> strides, pads, dilations;
  bool ceil_mode = false;
  bool include_pad = false;
};

// GCC 12 gives a false -Wrestrict on chains of std::string + std::to_string: a stream.
std::string describe(const PoolCase& c) {
  std::ostringstream s;
  s << "x [" << c.n << "," << c.c << "," << c.h << "," << c.w << "] k " << c.kh << "x" << c.kw;
  auto list = [&](const char* name, const std::vector<int64_t>& v) {
    s << " " << name;
    for (int64_t x : v) s << " " << x;
  };
  list("strides", c.strides);
  list("pads", c.pads);
  list("dilations", c.dilations);
  if (c.ceil_mode) s << " ceil_mode";
  if (c.include_pad) s << " count_include_pad";
  return s.str();
}

void check_window_pools(const std::vector<PoolCase>& cases) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  ThreadPool pools[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
  for (const PoolCase& c : cases) {
    SCOPED_TRACE(describe(c));
    ref::WindowAttrs wa;
    wa.kernel = {c.kh, c.kw};
    wa.strides = c.strides;
    wa.pads = c.pads;
    wa.dilations = c.dilations;
    wa.ceil_mode = c.ceil_mode;
    const ref::WindowGeometry g = ref::window_geometry({c.h, c.w}, wa);
    Attributes at;
    at.set_ints("kernel_shape", {c.kh, c.kw});
    if (!c.strides.empty()) at.set_ints("strides", c.strides);
    if (!c.pads.empty()) at.set_ints("pads", c.pads);
    if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
    at.set_int("ceil_mode", c.ceil_mode);
    const Tensor x_nchw = test::random_f32(Shape{c.n, c.c, c.h, c.w}, 5, -4.0f, 4.0f);
    const Tensor x = test::to_nhwc(x_nchw);
    const Shape out{c.n, g.out[1], g.out[2], c.c};
    for (bool max : {true, false}) {
      SCOPED_TRACE(max ? "NhwcMaxPool" : "NhwcAveragePool");
      Attributes a = at;
      if (!max) a.set_int("count_include_pad", c.include_pad);
      const Tensor want =
          test::to_nhwc(test::run_window_op(max ? "MaxPool" : "AveragePool", x_nchw, {}, a, 1, Isa::kRef, 1).at(0));
      ref::PoolParams p;
      p.geo = g;
      p.planes = c.n;
      p.channels = c.c;
      p.kind = max ? ref::PoolKind::kMax : ref::PoolKind::kAverage;
      p.count_include_pad = c.include_pad;
      for (Isa isa : isas) {
        SCOPED_TRACE(isa_name(isa));
        std::string why;
        KernelFn fn = test::nhwc_variant(max ? "NhwcMaxPool" : "NhwcAveragePool", isa, why);
        ASSERT_NE(fn, nullptr) << why;
        for (ThreadPool& pool : pools)
          ASSERT_TRUE(test::bit_identical(test::call_kernel1(fn, &p, {&x}, out, &pool), want));
      }
    }
  }
}

TEST(PoolNhwcSimd, ChannelsAndPlaneSizes) {
  std::vector<PoolCase> cases;
  const int64_t channels[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 96, 144};
  const int64_t planes[][2] = {{1, 1}, {2, 3}, {3, 2}, {7, 7}, {14, 14}, {9, 13}};
  for (int64_t c : channels)
    for (const auto& hw : planes)
      for (int64_t k : {3, 5})
        for (int64_t s : {1, 2}) cases.push_back({1, c, hw[0], hw[1], k, k, {s, s}, {k / 2, k / 2, k / 2, k / 2}});
  check_window_pools(cases);
}

TEST(PoolNhwcSimd, PadsStridesCeilDilations) {
  std::vector<PoolCase> cases = {
      {1, 64, 16, 16, 3, 3, {2, 2}, {1, 1, 1, 1}},  // resnet18's MaxPool, smaller
      {1, 33, 9, 19, 3, 3, {1, 1}, {0, 1, 2, 0}},   // asymmetric pads
      {1, 33, 9, 19, 3, 3, {2, 2}, {2, 0, 1, 2}},
      {1, 20, 10, 11, 2, 2, {2, 2}, {}},
      {1, 20, 10, 11, 2, 2, {2, 2}, {}, {}, true},  // ceil_mode: last window past the input
      {1, 20, 8, 8, 3, 3, {2, 2}, {1, 1, 1, 1}, {}, true},
      {1, 17, 7, 12, 3, 3, {3, 3}, {1, 0, 0, 1}, {}, true},
      {1, 17, 7, 12, 5, 4, {3, 2}, {2, 1, 2, 0}},
      {1, 24, 13, 14, 3, 3, {1, 1}, {2, 2, 2, 2}, {2, 2}},  // dilation 2
      {1, 24, 13, 14, 3, 3, {2, 1}, {1, 2, 1, 2}, {2, 2}, true},
      {2, 31, 7, 7, 3, 3, {1, 1}, {1, 1, 1, 1}},  // batch 2
      {2, 40, 6, 9, 3, 3, {2, 2}, {1, 1, 1, 1}, {}, true},
  };
  // The same with count_include_pad (it changes AveragePool only).
  const size_t n = cases.size();
  for (size_t i = 0; i < n; ++i) {
    PoolCase c = cases[i];
    c.include_pad = true;
    cases.push_back(c);
  }
  check_window_pools(cases);
}

TEST(PoolNhwcSimd, GlobalAveragePool) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  ThreadPool pools[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
  const int64_t channels[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 144, 1280};
  const int64_t planes[][2] = {{1, 1}, {2, 3}, {7, 7}, {14, 14}};
  for (int64_t c : channels)
    for (const auto& hw : planes)
      for (int64_t batch : {1, 2}) {
        SCOPED_TRACE(testing::Message() << "x [" << batch << "," << c << "," << hw[0] << "," << hw[1] << "]");
        const Tensor x_nchw = test::random_f32(Shape{batch, c, hw[0], hw[1]}, 6);
        const Tensor x = test::to_nhwc(x_nchw);
        const Tensor want =
            test::to_nhwc(test::run_window_op("GlobalAveragePool", x_nchw, {}, {}, 1, Isa::kRef, 1).at(0));
        ref::GlobalPoolParams p;
        p.planes = batch;
        p.plane_size = hw[0] * hw[1];
        p.channels = c;
        p.kind = ref::PoolKind::kAverage;
        for (Isa isa : isas) {
          SCOPED_TRACE(isa_name(isa));
          std::string why;
          KernelFn fn = test::nhwc_variant("NhwcGlobalAveragePool", isa, why);
          ASSERT_NE(fn, nullptr) << why;
          for (ThreadPool& pool : pools)
            ASSERT_TRUE(test::bit_identical(test::call_kernel1(fn, &p, {&x}, Shape{batch, 1, 1, c}, &pool), want));
        }
      }
}

// Bit-identical, except that any two NaNs count as equal: the sign and payload of a NaN
// made by inf + (-inf), or carried through a sum, depend on the operand order the compiler
// picks for the reference's additions (the ASan build's reference gave -nan where the
// Release build and the SIMD kernel give nan), and nothing downstream may rely on them.
::testing::AssertionResult identical_up_to_nan_bits(const Tensor& got, const Tensor& want) {
  if (!(got.shape() == want.shape())) return ::testing::AssertionFailure() << "shapes differ";
  for (int64_t i = 0; i < got.numel(); ++i) {
    const float g = got.as<const float>()[i], w = want.as<const float>()[i];
    if (std::isnan(g) && std::isnan(w)) continue;
    if (std::memcmp(&g, &w, sizeof g) != 0) return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs " << w;
  }
  return ::testing::AssertionSuccess();
}

// NaN and infinities: MaxPool keeps a nan that is the first tap of its window and skips a
// later one (the reference's `v > best`), AveragePool propagates it; bit-identical (NaN
// sign and payload aside, see above).
TEST(PoolNhwcSimd, NanAndInfinity) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  Tensor x_nchw = test::random_f32(Shape{1, 37, 9, 10}, 8);
  float* xs = x_nchw.as<float>();
  for (int64_t i = 0; i < x_nchw.numel(); i += 7) xs[i] = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 3; i < x_nchw.numel(); i += 11) xs[i] = std::numeric_limits<float>::infinity();
  for (int64_t i = 5; i < x_nchw.numel(); i += 13) xs[i] = -std::numeric_limits<float>::infinity();
  const Tensor x = test::to_nhwc(x_nchw);
  Attributes at;
  at.set_ints("kernel_shape", {3, 3});
  at.set_ints("strides", {2, 1});
  at.set_ints("pads", {1, 1, 1, 1});
  for (const char* op : {"MaxPool", "AveragePool"}) {
    SCOPED_TRACE(op);
    const Tensor want = test::to_nhwc(test::run_window_op(op, x_nchw, {}, at, 1, Isa::kRef, 1).at(0));
    const std::string nhwc_op = std::string("Nhwc") + op;
    for (Isa isa : isas) {
      SCOPED_TRACE(isa_name(isa));
      ASSERT_TRUE(identical_up_to_nan_bits(test::run_node(nhwc_op, "com.wisp", {{x}}, at, isa, 1), want));
    }
  }
}

// Through a Session (the ops' infer fills the params, ceil_mode and auto_pad read from the
// attributes): every x86 kernel bit-identical to the reference NHWC kernel.
TEST(PoolNhwcSimd, ThroughSession) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  const Tensor x = test::random_f32(Shape{2, 13, 12, 37}, 7, -5.0f, 5.0f);
  Attributes window;
  window.set_ints("kernel_shape", {3, 3});
  window.set_ints("strides", {2, 2});
  window.set_ints("pads", {1, 0, 1, 1});
  window.set_int("ceil_mode", 1);
  Attributes same;
  same.set_ints("kernel_shape", {3, 2});
  same.set_string("auto_pad", "SAME_UPPER");
  same.set_int("count_include_pad", 1);
  struct SessionCase {
    const char* op;
    Attributes attrs;
  };
  const SessionCase cases[] = {{"NhwcMaxPool", window}, {"NhwcAveragePool", window}, {"NhwcAveragePool", same},
                               {"NhwcGlobalAveragePool", {}}};
  for (const SessionCase& sc : cases) {
    SCOPED_TRACE(sc.op);
    const Tensor want = test::run_node(sc.op, "com.wisp", {{x}}, sc.attrs, Isa::kRef, 1);
    for (Isa isa : isas)
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(testing::Message() << isa_name(isa) << " threads " << threads);
        ASSERT_TRUE(test::bit_identical(test::run_node(sc.op, "com.wisp", {{x}}, sc.attrs, isa, threads), want));
      }
  }
}

}  // namespace
}  // namespace wisp
