// fuse_qdq_conv: QDQ Conv chains become fixed-point QLinearConv nodes (before/after
// graphs), the Q -> DQ pairs between them disappear, and the integer model agrees with
// the QDQ float simulation within one quantization step of the output. Also
// fuse_qdq_add and fuse_qdq_passthrough on a residual block (Add + Relu, MaxPool).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "cpu/cpu_features.hpp"
#include "ir/ops/qgemm_infer.hpp"
#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

// Quantization helpers producing the graph form of Contract 1 (what ORT's quantizer emits).
struct QdqBuilder {
  ModelBuilder& b;
  int next = 0;

  Value* qdq(Value* v, float scale, int zp, DType t = DType::kU8) {
    std::string n = "q";
    n += std::to_string(next++);
    Value* s = b.constant(n + "_scale", Tensor::from<float>({}, {scale}));
    Tensor z(t, Shape{});
    if (t == DType::kU8) z.as<uint8_t>()[0] = static_cast<uint8_t>(zp);
    else z.as<int8_t>()[0] = static_cast<int8_t>(zp);
    Value* zv = b.constant(n + "_zp", z);
    return b.op("DequantizeLinear", {b.op("QuantizeLinear", {v, s, zv}), s, zv});
  }
  // Per-output-channel symmetric int8 weights; returns DQ(W_q) and fills the scales.
  Value* weights(const std::string& name, const Shape& shape, std::vector<float>& scales) {
    const Tensor& w = *b.random_constant(name + "_float", shape)->constant;
    const int64_t m = shape[0], per = w.numel() / m;
    Tensor wq(DType::kI8, shape), ws(DType::kF32, Shape{m}), wz(DType::kI8, Shape{m});
    scales.assign(static_cast<size_t>(m), 0);
    for (int64_t c = 0; c < m; ++c) {
      float mx = 0;
      for (int64_t i = 0; i < per; ++i) mx = std::max(mx, std::fabs(w.as<float>()[c * per + i]));
      scales[c] = ws.as<float>()[c] = mx / 127;
      for (int64_t i = 0; i < per; ++i)
        wq.as<int8_t>()[c * per + i] = static_cast<int8_t>(std::nearbyint(w.as<float>()[c * per + i] / scales[c]));
    }
    Attributes axis0;
    axis0.set_int("axis", 0);
    return b.op("DequantizeLinear", {b.constant(name + "_quantized", wq), b.constant(name + "_scale", ws),
                                     b.constant(name + "_zero_point", wz)},
                axis0);
  }
  // int32 bias in units of x_scale * w_scale[c].
  Value* bias(const std::string& name, float x_scale, const std::vector<float>& w_scales) {
    const int64_t m = static_cast<int64_t>(w_scales.size());
    const Tensor& bf = *b.random_constant(name + "_float", Shape{m}, -0.5f, 0.5f)->constant;
    Tensor bq(DType::kI32, Shape{m}), bs(DType::kF32, Shape{m}), bz(DType::kI32, Shape{m});
    for (int64_t c = 0; c < m; ++c) {
      bs.as<float>()[c] = x_scale * w_scales[c];
      bq.as<int32_t>()[c] = static_cast<int32_t>(std::nearbyint(bf.as<float>()[c] / bs.as<float>()[c]));
    }
    Attributes axis0;
    axis0.set_int("axis", 0);
    return b.op("DequantizeLinear", {b.constant(name + "_quantized", bq), b.constant(name + "_scale", bs),
                                     b.constant(name + "_zero_point", bz)},
                axis0);
  }
};

Attributes conv_attrs(int64_t pad, int64_t stride) {
  Attributes a;
  a.set_ints("pads", {pad, pad, pad, pad});
  a.set_ints("strides", {stride, stride});
  return a;
}

// x -> Q/DQ -> Conv3x3+Relu -> Q/DQ -> Conv3x3 s2 + Clip(0, 6) -> Q/DQ -> Conv1x1 -> Q/DQ -> y.
std::shared_ptr<Model> three_conv_model(DType act_type) {
  ModelBuilder b;
  QdqBuilder q{b};
  const bool s8 = act_type == DType::kI8;
  const float s0 = 4.0f / 255, s1 = 6.0f / 255, s2 = 6.0f / 255, s3 = 12.0f / 255;
  Value* x = q.qdq(b.input("x", {2, 3, 11, 12}), s0, s8 ? 0 : 128, act_type);
  std::vector<float> w1s, w2s, w3s;
  Value* w1 = q.weights("w1", {8, 3, 3, 3}, w1s);
  Value* c1 = b.op("Relu", {b.op("Conv", {x, w1, q.bias("b1", s0, w1s)}, conv_attrs(1, 1))});
  Value* h1 = q.qdq(c1, s1, s8 ? -128 : 0, act_type);
  Value* w2 = q.weights("w2", {16, 8, 3, 3}, w2s);
  Value* lo = b.constant("lo", Tensor::from<float>({}, {0.0f}));
  Value* hi = b.constant("hi", Tensor::from<float>({}, {3.0f}));
  Value* c2 = b.op("Clip", {b.op("Conv", {h1, w2, q.bias("b2", s1, w2s)}, conv_attrs(1, 2)), lo, hi});
  Value* h2 = q.qdq(c2, s2, s8 ? -128 : 0, act_type);
  Value* w3 = q.weights("w3", {5, 16, 1, 1}, w3s);
  Value* c3 = b.op("Conv", {h2, w3});  // no bias
  b.output(q.qdq(c3, s3, s8 ? 0 : 100, act_type));
  return b.model();
}

TEST(FuseQdqConv, ChainBecomesIntegerNodesWithoutFloatBetween) {
  for (DType t : {DType::kU8, DType::kI8}) {
    SCOPED_TRACE(dtype_name(t));
    auto before = three_conv_model(t);
    bool changed = false;
    auto after = test::apply_pass(*before, passes::fuse_qdq_conv, &changed);
    EXPECT_TRUE(changed);
    auto cleaned = test::apply_pass(*after, passes::eliminate_dead_nodes);
    // Input Q, three integer convs, the output DQ: no float op or Q/DQ pair in between.
    EXPECT_EQ(test::op_counts(cleaned->graph),
              (std::map<std::string, int>{{"QuantizeLinear", 1}, {"QLinearConv", 3}, {"DequantizeLinear", 1}}));
    std::vector<const Node*> convs;
    for (const auto& n : cleaned->graph.nodes())
      if (n->op_type == "QLinearConv") convs.push_back(n.get());
    ASSERT_EQ(convs.size(), 3u);
    for (const Node* c : convs) EXPECT_EQ(c->attrs.get_int(kFixedPointAttr, 0), 1);
    // The zero points are the type's minimum, so Relu and Clip's 0 clamp nothing more;
    // Clip's 3 with scale 6/255 -> zp + 128 (3.0f / (6/255.0f) rounds to 127.5f in float,
    // then half to even, as QuantizeLinear does it).
    const int64_t zp = t == DType::kI8 ? -128 : 0;
    EXPECT_FALSE(convs[0]->attrs.has(kQMinAttr));
    EXPECT_FALSE(convs[0]->attrs.has(kQMaxAttr));
    EXPECT_FALSE(convs[1]->attrs.has(kQMinAttr));
    EXPECT_EQ(convs[1]->attrs.get_int(kQMaxAttr, -999), zp + 128);
    EXPECT_FALSE(convs[2]->attrs.has(kQMinAttr));
    EXPECT_FALSE(convs[2]->attrs.has(kQMaxAttr));
    EXPECT_EQ(convs[1]->inputs[0], convs[0]->outputs[0]);  // integer to integer
    EXPECT_EQ(convs[2]->inputs[0], convs[1]->outputs[0]);
    EXPECT_EQ(convs[2]->inputs.size(), 8u);  // no bias
  }
}

// The fused integer model vs the QDQ float simulation, on every kernel ISA the CPU has:
// the fixed-point rounding differs from the float one only at near-ties, by one step.
TEST(FuseQdqConv, IntegerModelAgreesWithFloatSimulationWithinOneStep) {
  for (DType t : {DType::kU8, DType::kI8}) {
    auto before = three_conv_model(t);
    auto after = optimize_model(*before);
    EXPECT_EQ(test::op_counts(after->graph)["QLinearConv"], 3);
    const float step = 12.0f / 255;
    for (Isa isa : {Isa::kRef, Isa::kAvx2, best_isa()}) {
      if (min_isa(best_isa(), isa) != isa) continue;
      SessionConfig config;
      config.max_isa = isa;
      Session sim(before, config), fused(after, config);
      double max_diff = 0;
      int64_t differing = 0, total = 0;
      for (uint32_t seed = 1; seed <= 5; ++seed) {
        const Tensor in = test::random_f32(Shape{2, 3, 11, 12}, seed, -2.0f, 2.0f);
        const Tensor want = sim.run({{"x", in.view()}}).at(0), got = fused.run({{"x", in.view()}}).at(0);
        for (int64_t i = 0; i < want.numel(); ++i) {
          const double d = std::fabs(got.as<float>()[i] - want.as<float>()[i]);
          max_diff = std::max(max_diff, d);
          differing += d > 0;
          ++total;
        }
      }
      EXPECT_LE(max_diff, step * 1.0001) << dtype_name(t) << " " << isa_name(isa);
      std::printf("[ info ] %s %s: max |int - sim| = %.3f steps, %lld of %lld outputs differ\n", dtype_name(t).data(),
                  isa_name(isa).data(), max_diff / step, static_cast<long long>(differing),
                  static_cast<long long>(total));
    }
  }
}

// x -> Q/DQ -> Conv -> Q/DQ -> Add(., x) -> Relu -> Q/DQ -> MaxPool -> Q/DQ (same params).
std::shared_ptr<Model> residual_block_model() {
  ModelBuilder b;
  QdqBuilder q{b};
  const float s0 = 4.0f / 255, s1 = 8.0f / 255, s2 = 10.0f / 255;
  Value* x = q.qdq(b.input("x", {1, 8, 9, 10}), s0, 128);
  std::vector<float> ws;
  Value* c = q.qdq(b.op("Conv", {x, q.weights("w", {8, 8, 3, 3}, ws), q.bias("b", s0, ws)}, conv_attrs(1, 1)), s1, 120);
  Value* r = q.qdq(b.op("Relu", {b.op("Add", {c, x})}), s2, 0);
  Attributes pool;
  pool.set_ints("kernel_shape", {3, 3});
  pool.set_ints("strides", {2, 2});
  pool.set_ints("pads", {1, 1, 1, 1});
  b.output(q.qdq(b.op("MaxPool", {r}, pool), s2, 0));
  return b.model();
}

TEST(FuseQdqAdd, ResidualBlockStaysInIntegers) {
  auto before = residual_block_model();
  auto after = optimize_model(*before);
  EXPECT_EQ(test::op_counts(after->graph),
            (std::map<std::string, int>{
                {"QuantizeLinear", 1}, {"QLinearConv", 1}, {"QLinearAdd", 1}, {"MaxPool", 1}, {"DequantizeLinear", 1}}));
  for (const auto& n : after->graph.nodes())
    if (n->op_type == "QLinearAdd") {
      EXPECT_EQ(n->domain, "com.microsoft");
      EXPECT_FALSE(n->attrs.has(kQMinAttr));  // Relu at zero point 0 = the type's minimum
    }
  const float step = 10.0f / 255;
  for (Isa isa : {Isa::kRef, best_isa()}) {
    SessionConfig config;
    config.max_isa = isa;
    Session sim(before, config), fused(after, config);
    double max_diff = 0;
    int64_t differing = 0;
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      const Tensor in = test::random_f32(Shape{1, 8, 9, 10}, seed, -2.0f, 2.0f);
      const Tensor want = sim.run({{"x", in.view()}}).at(0), got = fused.run({{"x", in.view()}}).at(0);
      for (int64_t i = 0; i < want.numel(); ++i) {
        const double d = std::fabs(got.as<float>()[i] - want.as<float>()[i]);
        max_diff = std::max(max_diff, d);
        differing += d > 0;
      }
    }
    EXPECT_LE(max_diff, step * 1.0001) << isa_name(isa);
    std::printf("[ info ] residual block %s: max |int - sim| = %.3f steps, %lld outputs differ\n", isa_name(isa).data(),
                max_diff / step, static_cast<long long>(differing));
  }
}

// x [2, 16] -> Q/DQ -> Gemm(transB, int32 bias) -> Q/DQ, and x3 [2, 3, 16] -> MatMul(B [16, 9]) -> Relu -> Q/DQ.
TEST(FuseQdqMatMul, GemmAndMatMulBecomeIntegerAndAgreeWithSimulation) {
  ModelBuilder b;
  QdqBuilder q{b};
  const float sx = 4.0f / 255;
  std::vector<float> ws;
  Value* x = q.qdq(b.input("x", {2, 16}), sx, 128);
  Value* w = q.weights("w", {10, 16}, ws);  // [N, K], per-channel axis 0
  Attributes tb;
  tb.set_int("transB", 1);
  b.output(q.qdq(b.op("Gemm", {x, w, q.bias("c", sx, ws)}, tb), 6.0f / 255, 120));
  // MatMul B [K, N] per column (axis 1): quantize by hand.
  const Tensor& bf = *b.random_constant("b_float", Shape{16, 9})->constant;
  Tensor bq(DType::kI8, Shape{16, 9}), bs(DType::kF32, Shape{9}), bz(DType::kI8, Shape{9});
  for (int64_t n = 0; n < 9; ++n) {
    float mx = 0;
    for (int64_t k = 0; k < 16; ++k) mx = std::max(mx, std::fabs(bf.as<float>()[k * 9 + n]));
    bs.as<float>()[n] = mx / 127;
    for (int64_t k = 0; k < 16; ++k)
      bq.as<int8_t>()[k * 9 + n] = static_cast<int8_t>(std::nearbyint(bf.as<float>()[k * 9 + n] / bs.as<float>()[n]));
  }
  Attributes axis1;
  axis1.set_int("axis", 1);
  Value* bdq = b.op("DequantizeLinear", {b.constant("b_q", bq), b.constant("b_s", bs), b.constant("b_z", bz)}, axis1);
  Value* x3 = q.qdq(b.input("x3", {2, 3, 16}), sx, 128);
  b.output(q.qdq(b.op("Relu", {b.op("MatMul", {x3, bdq})}), 5.0f / 255, 0));
  auto before = b.model();
  auto after = optimize_model(*before);
  EXPECT_EQ(test::op_counts(after->graph)["QLinearMatMul"], 2);
  EXPECT_EQ(test::op_counts(after->graph).count("Gemm"), 0u);
  EXPECT_EQ(test::op_counts(after->graph).count("MatMul"), 0u);
  for (Isa isa : {Isa::kRef, best_isa()}) {
    SessionConfig config;
    config.max_isa = isa;
    Session sim(before, config), fused(after, config);
    double max_steps = 0;
    for (uint32_t seed = 1; seed <= 5; ++seed) {
      const Tensor in = test::random_f32(Shape{2, 16}, seed, -2.0f, 2.0f);
      const Tensor in3 = test::random_f32(Shape{2, 3, 16}, seed + 10, -2.0f, 2.0f);
      const auto want = sim.run({{"x", in.view()}, {"x3", in3.view()}});
      const auto got = fused.run({{"x", in.view()}, {"x3", in3.view()}});
      const float steps[] = {6.0f / 255, 5.0f / 255};
      for (int o = 0; o < 2; ++o)
        for (int64_t i = 0; i < want[o].numel(); ++i)
          max_steps = std::max<double>(max_steps, std::fabs(got[o].as<float>()[i] - want[o].as<float>()[i]) / steps[o]);
    }
    EXPECT_LE(max_steps, 1.0001) << isa_name(isa);
    std::printf("[ info ] Gemm + MatMul %s: max |int - sim| = %.3f steps\n", isa_name(isa).data(), max_steps);
  }
}

// QOperator models from other tools: QLinearConv / QLinearMatMul with int8 symmetric constant
// weights are marked for the fixed-point kernels; outputs stay within one step of ONNX's.
TEST(FuseQdqImported, QLinearNodesWithSymmetricInt8WeightsTakeTheIntegerPath) {
  ModelBuilder b;
  Value* x = b.input("x", {1, 4, 5, 5}, DType::kU8);
  const auto f = [&](const char* n, float v) { return b.constant(n, Tensor::from<float>({}, {v})); };
  const auto u = [&](const char* n, uint8_t v) { return b.constant(n, Tensor::from<uint8_t>({}, {v})); };
  Tensor w(DType::kI8, Shape{6, 4, 3, 3});
  for (int64_t i = 0; i < w.numel(); ++i) w.as<int8_t>()[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  Attributes pads = conv_attrs(1, 1);
  Value* c = b.op("QLinearConv", {x, f("xs", 0.02f), u("xz", 128), b.constant("w", w), f("ws", 0.01f),
                                  b.constant("wz", Tensor::from<int8_t>({}, {0})), f("ys", 0.05f), u("yz", 100)},
                  pads);
  Value* a2 = b.input("a", {3, 8}, DType::kU8);
  Tensor m(DType::kI8, Shape{8, 5});
  for (int64_t i = 0; i < m.numel(); ++i) m.as<int8_t>()[i] = static_cast<int8_t>((i * 53) % 255 - 127);
  Value* mm = b.op("QLinearMatMul", {a2, f("as", 0.03f), u("az", 7), b.constant("m", m), f("ms", 0.02f),
                                     b.constant("mz", Tensor::from<int8_t>({}, {0})), f("os", 0.1f), u("oz", 50)});
  b.output(c);
  b.output(mm);
  auto before = b.model();
  auto after = test::apply_pass(*test::apply_pass(*before, passes::fuse_qdq_conv), passes::fuse_qdq_matmul);
  for (const auto& n : after->graph.nodes()) EXPECT_EQ(n->attrs.get_int(kFixedPointAttr, 0), 1) << n->op_type;
  Session onnx_rounding(before), fixed(after);
  Tensor xin(DType::kU8, Shape{1, 4, 5, 5}), ain(DType::kU8, Shape{3, 8});
  for (int64_t i = 0; i < xin.numel(); ++i) xin.as<uint8_t>()[i] = static_cast<uint8_t>(i * 29);
  for (int64_t i = 0; i < ain.numel(); ++i) ain.as<uint8_t>()[i] = static_cast<uint8_t>(i * 31);
  const auto want = onnx_rounding.run({{"x", xin.view()}, {"a", ain.view()}});
  const auto got = fixed.run({{"x", xin.view()}, {"a", ain.view()}});
  int differ = 0;
  for (int o = 0; o < 2; ++o)
    for (int64_t i = 0; i < want[o].numel(); ++i) {
      const int d = std::abs(int(got[o].as<uint8_t>()[i]) - int(want[o].as<uint8_t>()[i]));
      EXPECT_LE(d, 1) << o << " " << i;
      differ += d != 0;
    }
  std::printf("[ info ] imported QLinear nodes: %d of %lld outputs differ from ONNX rounding (by 1)\n", differ,
              static_cast<long long>(want[0].numel() + want[1].numel()));
}

TEST(FuseQdqPassthrough, NotWhenParamsDiffer) {
  ModelBuilder b;
  QdqBuilder q{b};
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  b.output(q.qdq(b.op("MaxPool", {q.qdq(b.input("x", {1, 2, 4, 4}), 0.02f, 128)}, pool), 0.03f, 128));
  bool changed = true;
  test::apply_pass(*b.model(), passes::fuse_qdq_passthrough, &changed);
  EXPECT_FALSE(changed);
}

TEST(FuseQdqConv, NotWhenWeightsAsymmetricOutputReadTwiceOrNoQ) {
  const auto unchanged = [](const std::shared_ptr<Model>& m) {
    bool changed = true;
    test::apply_pass(*m, passes::fuse_qdq_conv, &changed);
    return !changed;
  };
  {  // Conv output read by the Q and a graph output
    ModelBuilder b;
    QdqBuilder q{b};
    std::vector<float> ws;
    Value* c = b.op("Conv", {q.qdq(b.input("x", {1, 2, 4, 4}), 0.02f, 128), q.weights("w", {3, 2, 1, 1}, ws)});
    b.output(q.qdq(c, 0.05f, 128));
    b.output(c);
    EXPECT_TRUE(unchanged(b.model()));
  }
  {  // no Q after the Conv (float output)
    ModelBuilder b;
    QdqBuilder q{b};
    std::vector<float> ws;
    b.output(b.op("Conv", {q.qdq(b.input("x", {1, 2, 4, 4}), 0.02f, 128), q.weights("w", {3, 2, 1, 1}, ws)}));
    EXPECT_TRUE(unchanged(b.model()));
  }
  {  // uint8 weights with a zero point (not the symmetric form)
    ModelBuilder b;
    QdqBuilder q{b};
    Value* w = b.op("DequantizeLinear", {b.constant("wq", Tensor::from<uint8_t>({1, 1, 1, 1}, {130})),
                                         b.constant("ws", Tensor::from<float>({}, {0.1f})),
                                         b.constant("wz", Tensor::from<uint8_t>({}, {128}))});
    b.output(q.qdq(b.op("Conv", {q.qdq(b.input("x", {1, 1, 4, 4}), 0.02f, 128), w}), 0.05f, 128));
    EXPECT_TRUE(unchanged(b.model()));
  }
}

}  // namespace
}  // namespace wisp
