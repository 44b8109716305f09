// The NEON kernels together in one small model, through a real Session, against the same
// model on the reference kernels: a MobileNet-like block (Conv 3x3 stride 2 + fused Relu,
// depthwise 3x3 + fused HardSwish, pointwise Conv, per-channel Add, Sigmoid x Mul gate,
// Clip), pooled into a Linear layer (Gemm) and a Softmax. It checks what the per-kernel
// tests cannot: in-place steps, planned scratch and fused epilogues as the session wires
// them, and the same bits for 1 and 3 threads.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/graph.hpp"
#include "kernels/arm_kernel_test_util.hpp"
#include "runtime/session.hpp"

namespace wisp {
namespace {

std::shared_ptr<Model> block_model() {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 17;
  Value* x = g.add_value("x");
  x->dtype = DType::kF32;
  x->shape = SymShape{};
  for (int64_t d : {2, 3, 19, 21}) x->shape->push_back(SymDim{d, ""});
  g.inputs.push_back(x);
  uint32_t seed = 100;
  auto weight = [&](const char* name, const Shape& s) { return g.add_constant(name, test::random_f32(s, ++seed, -0.5f, 0.5f)); };
  auto node = [&](const char* op, const char* name, std::vector<Value*> ins) {
    Value* out = g.add_value(std::string(name) + "_out");
    Node* n = g.add_node(op, name, std::move(ins), {out});
    return std::pair<Node*, Value*>{n, out};
  };
  auto [stem, v1] = node("Conv", "stem", {x, weight("w1", Shape{13, 3, 3, 3}), weight("b1", Shape{13})});
  stem->attrs.set_ints("strides", {2, 2});
  stem->attrs.set_ints("pads", {1, 1, 1, 1});
  stem->attrs.set_string("wisp_activation", "Relu");
  auto [dw, v2] = node("Conv", "dw", {v1, weight("w2", Shape{13, 1, 3, 3}), weight("b2", Shape{13})});
  dw->attrs.set_int("group", 13);
  dw->attrs.set_ints("pads", {1, 1, 1, 1});
  dw->attrs.set_string("wisp_activation", "HardSwish");
  dw->attrs.set_float("wisp_activation_alpha", 1.0f / 6);
  dw->attrs.set_float("wisp_activation_beta", 0.5f);
  auto [pw, v3] = node("Conv", "pw", {v2, weight("w3", Shape{13, 13, 1, 1})});
  auto [add, v4] = node("Add", "add", {v3, weight("shift", Shape{13, 1, 1})});
  auto [sig, v5] = node("Sigmoid", "sig", {v4});
  auto [mul, v6] = node("Mul", "gate", {v4, v5});
  auto scalar = [&](const char* name, float v) {
    Tensor t(DType::kF32, Shape{});
    t.as<float>()[0] = v;
    return g.add_constant(name, std::move(t));
  };
  Value* lo = scalar("lo", -0.1f);
  Value* hi = scalar("hi", 0.4f);
  auto [clip, v7] = node("Clip", "clip", {v6, lo, hi});
  auto [pool, v8] = node("GlobalAveragePool", "pool", {v7});
  auto [flat, v9] = node("Flatten", "flat", {v8});
  auto [fc, v10] = node("Gemm", "fc", {v9, weight("wfc", Shape{10, 13}), weight("bfc", Shape{10})});
  fc->attrs.set_int("transB", 1);
  auto [soft, y] = node("Softmax", "softmax", {v10});
  g.outputs.push_back(v6);
  g.outputs.push_back(y);
  (void)add, (void)sig, (void)mul, (void)clip, (void)pool, (void)flat, (void)soft, (void)pw;
  return model;
}

std::vector<Tensor> run(Isa isa, int threads) {
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  Session s(block_model(), config);
  Tensor x = test::random_f32(Shape{2, 3, 19, 21}, 7, -2.0f, 2.0f);
  return s.run({{"x", x.view()}});
}

TEST(ArmModel, BlockMatchesReferenceAndThreadCounts) {
  ASSERT_EQ(detected_isa(), Isa::kNeon);
  const std::vector<Tensor> want = run(Isa::kRef, 1), got = run(Isa::kNeon, 1);
  ASSERT_EQ(got.size(), 2u);
  for (size_t o = 0; o < 2; ++o) {
    ASSERT_EQ(got[o].shape(), want[o].shape());
    EXPECT_TRUE(test::tensors_near(got[o], want[o], 1e-4, 1e-5)) << "output " << o;
  }
  EXPECT_EQ(got[1].shape(), (Shape{2, 10}));
  float sum = 0;
  for (int i = 0; i < 10; ++i) sum += got[1].as<float>()[i];
  EXPECT_NEAR(sum, 1.0f, 1e-5);
  EXPECT_FALSE(test::same_bits(got[0], want[0])) << "the NEON kernels really ran (FMA order differs from the reference)";
  const std::vector<Tensor> three = run(Isa::kNeon, 3);
  for (size_t o = 0; o < 2; ++o) EXPECT_TRUE(test::same_bits(three[o], got[o])) << "output " << o << ", 3 threads";
}

}  // namespace
}  // namespace wisp
