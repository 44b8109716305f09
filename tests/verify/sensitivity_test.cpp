// verify::layer_sensitivity: one node quantized at a time through the real quantizer.
// fc_a's weights have a per-channel range set by one huge row, so int8 per-channel weights
// round all its useful (small) weights to zero: quantizing fc_a alone must wreck the output
// and rank first, while fc_b alone stays near the ~40 dB of plain 8-bit rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "verify/sensitivity.hpp"

namespace wisp {
namespace {

Tensor uniform(const Shape& shape, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = dist(rng);
  return t;
}

Value* node(Graph& g, const std::string& op, const std::string& name, std::vector<Value*> in, const std::string& out) {
  Value* v = g.add_value(out);
  g.add_node(op, name, std::move(in), {v});
  return v;
}

// x[batch,8] -> fc_a -> Relu -> fc_b -> y[batch,4], plus a residual Add (skip) on fc_b's
// input and an Add of a constant (not a candidate).
std::shared_ptr<Model> fragile_model() {
  auto m = std::make_shared<Model>();
  Graph& g = m->graph;
  g.opset_imports[""] = 13;
  Value* x = g.add_value("x");
  x->dtype = DType::kF32;
  x->shape = SymShape{SymDim{-1, "batch"}, SymDim{8, ""}};
  g.inputs.push_back(x);
  Tensor wa = uniform({8, 16}, 1, -0.02f, 0.02f);
  for (int64_t j = 0; j < 16; ++j) wa.as<float>()[j] = 100.0f;  // row 0: input 0 is ~0 in the data
  Value* h = node(g, "MatMul", "fc_a", {x, g.add_constant("wa", std::move(wa))}, "h");
  Value* a = node(g, "Relu", "relu", {h}, "a");
  Value* s = node(g, "Add", "skip", {a, a}, "s");  // residual-style: two computed inputs
  Value* z = node(g, "MatMul", "fc_b", {s, g.add_constant("wb", uniform({16, 4}, 2, -1, 1))}, "z");
  Value* y = node(g, "Add", "bias", {z, g.add_constant("c", uniform({4}, 3, -0.1f, 0.1f))}, "y");
  g.outputs.push_back(y);
  return m;
}

Tensor fragile_data(int64_t n, uint32_t seed) {
  Tensor t = uniform({n, 8}, seed, -1, 1);
  for (int64_t i = 0; i < n; ++i) t.as<float>()[i * 8] *= 1e-6f;  // the input the huge row multiplies
  return t;
}

TEST(VerifySensitivity, CandidatesAreComputeNodesAndResidualAdds) {
  auto m = fragile_model();
  std::vector<std::string> names;
  for (const Node* n : verify::sensitivity_candidates(*m)) names.push_back(n->name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc_a", "skip", "fc_b"}));  // not "bias" (a constant operand)
}

TEST(VerifySensitivity, FragileLayerRanksFirst) {
  auto m = fragile_model();
  quant::CalibrationData calib;
  const Tensor calib_data = fragile_data(64, 10);
  calib.feeds.push_back({{"x", calib_data}});
  const Tensor data = fragile_data(200, 11);
  verify::SensitivityOptions o;
  o.quantize.method = quant::CalibMethod::kMinMax;
  o.quantize.equalize = false;         // keep fc_a's weights as built
  o.quantize.bias_correction = false;
  size_t progress_calls = 0;
  o.progress = [&](size_t i, size_t n, const std::string&) {
    EXPECT_EQ(i, progress_calls++);
    EXPECT_EQ(n, 3u);
  };
  const verify::SensitivityResult r = verify::layer_sensitivity(*m, calib, data, nullptr, o);
  EXPECT_EQ(progress_calls, 3u);
  EXPECT_EQ(r.samples, 200);
  EXPECT_FALSE(r.against_labels);
  EXPECT_DOUBLE_EQ(r.float_top1, 100.0);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[0].node, "fc_a");
  EXPECT_EQ(r.layers[0].op, "MatMul");
  EXPECT_LT(r.layers[0].output_sqnr_db, 10);  // the useful weights rounded to zero
  for (size_t i = 1; i < r.layers.size(); ++i) {
    SCOPED_TRACE(r.layers[i].node);
    EXPECT_GT(r.layers[i].output_sqnr_db, 25);  // plain 8-bit rounding
    EXPECT_LE(r.layers[i].top1_drop, 5.0);
    EXPECT_GE(r.layers[i].output_sqnr_db, r.layers[i - 1].output_sqnr_db);  // sorted
  }
  for (size_t i = 1; i < r.layers.size(); ++i) EXPECT_GT(r.layers[0].top1_drop, r.layers[i].top1_drop + 2.0);
  EXPECT_NEAR(r.layers[0].top1, 100.0 - r.layers[0].top1_drop, 1e-9);

  // With labels: top-1 is measured against them and the float top-1 is reported.
  o.progress = nullptr;
  Tensor labels(DType::kI64, {200});
  for (int64_t i = 0; i < 200; ++i) labels.as<int64_t>()[i] = i % 4;
  const verify::SensitivityResult rl = verify::layer_sensitivity(*m, calib, data, &labels, o);
  EXPECT_TRUE(rl.against_labels);
  EXPECT_GT(rl.float_top1, 0);
  EXPECT_LT(rl.float_top1, 100);
  EXPECT_EQ(rl.layers[0].node, "fc_a");
}

}  // namespace
}  // namespace wisp
