// The integer graph's pools and adds: MaxPool on uint8/int8 (x86 variants vs the reference,
// bit for bit, over strides, pads, ceil mode, odd sizes) and the fixed-point QLinearAdd
// (hand-computed values, clamps, broadcasting, int8).
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "ir/attribute.hpp"
#include "ir/graph.hpp"
#include "kernels/ref/qadd.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using test::OpInput;

// One node in a fresh model, run by a Session capped at `isa` (run_op with a domain and ISA).
std::vector<Tensor> run_node(const std::string& op, const std::string& domain, const std::vector<OpInput>& inputs,
                             const Attributes& attrs, Isa isa = best_isa()) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 21;
  if (!domain.empty()) g.opset_imports[domain] = 1;
  std::vector<Value*> ins;
  std::vector<NamedTensorView> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    if (inputs[i].constant) {
      ins.push_back(g.add_constant(name, inputs[i].tensor));
      continue;
    }
    Value* v = g.add_value(name);
    v->dtype = inputs[i].tensor.dtype();
    SymShape s;
    for (int64_t d : inputs[i].tensor.shape()) s.push_back(SymDim{d, ""});
    v->shape = s;
    g.inputs.push_back(v);
    ins.push_back(v);
    feeds.push_back(NamedTensorView{name, inputs[i].tensor.view()});
  }
  Value* out = g.add_value("out");
  Node* n = g.add_node(op, "node", ins, {out}, domain);
  n->opset = domain.empty() ? 21 : 1;
  n->attrs = attrs;
  g.outputs = {out};
  SessionConfig cfg;
  cfg.max_isa = isa;
  Session session(model, cfg);
  return session.run(feeds);
}

TEST(MaxPoolQ8, SimdMatchesReferenceBitExact) {
  std::mt19937 rng(3);
  int checked = 0;
  for (DType t : {DType::kU8, DType::kI8})
    for (int64_t hw : {1, 5, 8, 17, 56})
      for (int64_t k : {2, 3})
        for (int64_t s : {1, 2})
          for (int64_t pad : {0, 1})
            for (int64_t ceil : {0, 1}) {
              if (pad >= k) continue;
              Tensor x(t, Shape{2, 3, hw, hw + 3});
              for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
              Attributes at;
              at.set_ints("kernel_shape", {k, k});
              at.set_ints("strides", {s, s});
              at.set_ints("pads", {pad, pad, pad, pad});
              at.set_int("ceil_mode", ceil);
              if (hw + 2 * pad < k) continue;
              const Tensor got = run_node("MaxPool", "", {{x}}, at)[0];
              const Tensor want = run_node("MaxPool", "", {{x}}, at, Isa::kRef)[0];
              ASSERT_EQ(got.shape(), want.shape());
              for (int64_t i = 0; i < want.numel(); ++i)
                ASSERT_EQ(got.as<uint8_t>()[i], want.as<uint8_t>()[i])
                    << dtype_name(t) << " hw " << hw << " k " << k << " s " << s << " pad " << pad << " ceil " << ceil
                    << " at " << i;
              ++checked;
            }
  EXPECT_GT(checked, 100);
}

Tensor qadd(const Tensor& a, float sa, const Tensor& za, const Tensor& b, float sb, const Tensor& zb, float sy,
            const Tensor& zy, const Attributes& at = {}) {
  return run_node("QLinearAdd", "com.microsoft",
                                {{a}, {Tensor::from<float>({}, {sa}), true}, {za, true}, {b},
                                 {Tensor::from<float>({}, {sb}), true}, {zb, true}, {Tensor::from<float>({}, {sy}), true},
                                 {zy, true}},
                                at)[0];
}

TEST(QLinearAddFixedPoint, RescalesRoundsAndClamps) {
  // a real = 0.5 (a - 10), b real = 0.25 (b - 0); y = real / 1.0 + 100.
  const Tensor a = Tensor::from<uint8_t>({4}, {10, 11, 13, 0});
  const Tensor b = Tensor::from<uint8_t>({4}, {0, 2, 1, 255});
  const Tensor u0 = Tensor::from<uint8_t>({}, {0});
  // 0 -> 100; 0.5 + 0.5 = 1 -> 101; 1.5 + 0.25 = 1.75 -> 102; -5 + 63.75 = 58.75 -> 159.
  Tensor y = qadd(a, 0.5f, Tensor::from<uint8_t>({}, {10}), b, 0.25f, u0, 1.0f, Tensor::from<uint8_t>({}, {100}));
  EXPECT_EQ(std::vector<uint8_t>(y.as<uint8_t>(), y.as<uint8_t>() + 4), (std::vector<uint8_t>{100, 101, 102, 159}));
  // A tie: 0.5 * 1 + 0 = 0.5 -> rounds up to 1 (+100); clamp [100, 150] (a fused Relu + cap).
  Attributes at;
  at.set_int("wisp_qmin", 100);
  at.set_int("wisp_qmax", 150);
  const Tensor b0 = Tensor::from<uint8_t>({4}, {0, 0, 0, 255});
  y = qadd(Tensor::from<uint8_t>({4}, {11, 0, 0, 255}), 0.5f, Tensor::from<uint8_t>({}, {10}), b0, 0.25f, u0, 1.0f,
           Tensor::from<uint8_t>({}, {100}), at);
  EXPECT_EQ(std::vector<uint8_t>(y.as<uint8_t>(), y.as<uint8_t>() + 4), (std::vector<uint8_t>{101, 100, 100, 150}));
}

TEST(QLinearAddFixedPoint, Int8WithBroadcast) {
  // a [2, 2] scale 0.1 zp 0; b [2] scale 0.2 zp -1 (real 0.2 (b + 1)); y scale 0.1 zp -5.
  const Tensor a = Tensor::from<int8_t>({2, 2}, {10, -20, 0, 127});
  const Tensor b = Tensor::from<int8_t>({2}, {-1, 4});
  Tensor y = qadd(a, 0.1f, Tensor::from<int8_t>({}, {0}), b, 0.2f, Tensor::from<int8_t>({}, {-1}), 0.1f,
                  Tensor::from<int8_t>({}, {-5}));
  // y = a + 2 (b + 1) - 5: [10 + 0 - 5, -20 + 10 - 5, 0 + 0 - 5, 127 + 10 - 5 -> 127]
  ASSERT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<int8_t>(y.as<int8_t>(), y.as<int8_t>() + 4), (std::vector<int8_t>{5, -15, -5, 127}));
}

// The AVX2 and AVX-512 kernels (same shapes) vs the reference, bit for bit: random scales (ratios
// from 1e-3 to 50), zero points, clamps, lengths around the 16-byte step, u8 and s8.
TEST(QLinearAddFixedPoint, SimdMatchesReferenceBitExact) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (min_isa(best_isa(), isa) != isa) continue;
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> sd(0.001f, 1.0f);
    int checked = 0;
    for (DType t : {DType::kU8, DType::kI8})
      for (int64_t n : {1, 15, 16, 17, 63, 64, 65, 1000}) {
        Tensor a(t, Shape{n}), b(t, Shape{n});
        for (int64_t i = 0; i < n; ++i) {
          a.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
          b.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
        }
        const auto zp = [&]() {
          Tensor z(t, Shape{});
          z.as<uint8_t>()[0] = static_cast<uint8_t>(rng());
          return z;
        };
        Attributes at;
        if (rng() % 2) at.set_int("wisp_qmin", t == DType::kI8 ? -100 : 20);
        const float sa = sd(rng), sb = sd(rng), sy = sd(rng) * (rng() % 2 ? 0.02f : 1.0f);
        const Tensor za = zp(), zb = zp(), zy = zp();
        const std::vector<OpInput> ins = {{a}, {Tensor::from<float>({}, {sa}), true}, {za, true}, {b},
                                          {Tensor::from<float>({}, {sb}), true}, {zb, true},
                                          {Tensor::from<float>({}, {sy}), true}, {zy, true}};
        const Tensor got = run_node("QLinearAdd", "com.microsoft", ins, at, isa)[0];
        const Tensor want = run_node("QLinearAdd", "com.microsoft", ins, at, Isa::kRef)[0];
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(got.as<uint8_t>()[i], want.as<uint8_t>()[i])
              << isa_name(isa) << " " << dtype_name(t) << " n " << n << " at " << i;
        ++checked;
      }
    EXPECT_EQ(checked, 16);
  }
}

// Per-tensor QuantizeLinear / DequantizeLinear on AVX-512 vs the reference, bit for bit:
// ties (x / s = k + 0.5), saturation, NaN, infinities, lengths around 16, u8 and s8.
TEST(QuantizeLinearSimd, MatchesReferenceBitExact) {
  if (min_isa(best_isa(), Isa::kAvx512) != Isa::kAvx512) GTEST_SKIP() << "the CPU lacks avx512";
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> xd(-40.0f, 40.0f);
  for (DType t : {DType::kU8, DType::kI8})
    for (int64_t n : {1, 15, 16, 17, 100, 1000}) {
      const float s = 0.25f;
      Tensor x(DType::kF32, Shape{n});
      for (int64_t i = 0; i < n; ++i) x.as<float>()[i] = i % 7 == 0 ? (static_cast<float>(i % 40) - 20.0f + 0.5f) * s : xd(rng);
      if (n > 10) {
        x.as<float>()[1] = std::numeric_limits<float>::quiet_NaN();
        x.as<float>()[2] = std::numeric_limits<float>::infinity();
        x.as<float>()[3] = -std::numeric_limits<float>::infinity();
        x.as<float>()[4] = 1e30f;
      }
      Tensor zp(t, Shape{});
      zp.as<uint8_t>()[0] = t == DType::kI8 ? static_cast<uint8_t>(-3) : 100;
      const std::vector<OpInput> ins = {{x}, {Tensor::from<float>({}, {s}), true}, {zp, true}};
      const Tensor got = run_node("QuantizeLinear", "", ins, {})[0];
      const Tensor want = run_node("QuantizeLinear", "", ins, {}, Isa::kRef)[0];
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(got.as<uint8_t>()[i], want.as<uint8_t>()[i]) << dtype_name(t) << " n " << n << " x " << x.as<float>()[i];
      const std::vector<OpInput> dins = {{got}, {Tensor::from<float>({}, {s}), true}, {zp, true}};
      const Tensor back = run_node("DequantizeLinear", "", dins, {})[0];
      const Tensor back_ref = run_node("DequantizeLinear", "", dins, {}, Isa::kRef)[0];
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(back.as<float>()[i], back_ref.as<float>()[i]) << i;
    }
}

TEST(QLinearAddFixedPoint, MultipliersKeepThirtyOneBits) {
  ref::QAddParams p;
  ref::set_qadd_multipliers(0.75, 3.0, p);
  EXPECT_GE(p.mb, int64_t{1} << 30);
  EXPECT_LT(p.mb, int64_t{1} << 31);
  EXPECT_EQ(p.ma * 4, p.mb);  // exact ratios stay exact
  ref::set_qadd_multipliers(1e-6, 2e-6, p);
  EXPECT_GE(p.mb, int64_t{1} << 30);
}

}  // namespace
}  // namespace wisp
