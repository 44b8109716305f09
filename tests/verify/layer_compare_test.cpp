// verify::compare_layers and the report renderings on small hand-built graphs:
// a model against itself, a QDQ-form model (Contract 1 layout: X_float -> Q -> DQ -> X),
// and a model with one layer's weights perturbed, which must rank worst at that layer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/graph_clone.hpp"
#include "verify/compare_report.hpp"
#include "verify/layer_compare.hpp"

namespace wisp {
namespace {

Tensor random_tensor(const Shape& shape, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = dist(rng);
  return t;
}

Value* add_input(Graph& g, const std::string& name, int64_t features) {
  Value* v = g.add_value(name);
  v->dtype = DType::kF32;
  v->shape = SymShape{SymDim{-1, "batch"}, SymDim{features, ""}};
  g.inputs.push_back(v);
  return v;
}

Value* node(Graph& g, const std::string& op, const std::string& name, std::vector<Value*> in, const std::string& out) {
  Value* v = g.add_value(out);
  g.add_node(op, name, std::move(in), {v});
  return v;
}

// x[batch,8] -> MatMul w1[8,16] -> h1 -> Relu -> a1 -> MatMul w2[16,16] -> h2 -> Relu -> a2
//   -> MatMul w3[16,4] -> y. w3 is positive, so it sums its inputs coherently: noise added
// in h2 is averaged down in y, and h2 is where a w2 perturbation shows most.
std::shared_ptr<Model> mlp(float w2_noise = 0) {
  auto m = std::make_shared<Model>();
  Graph& g = m->graph;
  g.opset_imports[""] = 21;
  Value* x = add_input(g, "x", 8);
  Tensor w2 = random_tensor({16, 16}, 2, -1, 1);
  if (w2_noise != 0) {
    const Tensor noise = random_tensor({16, 16}, 99, -w2_noise, w2_noise);
    for (int64_t i = 0; i < w2.numel(); ++i) w2.as<float>()[i] += noise.as<float>()[i];
  }
  Value* h1 = node(g, "MatMul", "fc1", {x, g.add_constant("w1", random_tensor({8, 16}, 1, -1, 1))}, "h1");
  Value* a1 = node(g, "Relu", "relu1", {h1}, "a1");
  Value* h2 = node(g, "MatMul", "fc2", {a1, g.add_constant("w2", std::move(w2))}, "h2");
  Value* a2 = node(g, "Relu", "relu2", {h2}, "a2");
  Value* y = node(g, "MatMul", "fc3", {a2, g.add_constant("w3", random_tensor({16, 4}, 3, 0.5f, 1))}, "y");
  g.outputs.push_back(y);
  return m;
}

// The same MLP in QDQ form around h1: fc1 writes h1_float, QuantizeLinear (uint8, zp 128)
// and DequantizeLinear give back a tensor named h1, which relu1 reads.
std::shared_ptr<Model> mlp_with_qdq_on_h1(float scale) {
  auto m = std::make_shared<Model>();
  Graph& g = m->graph;
  g.opset_imports[""] = 21;
  Value* x = add_input(g, "x", 8);
  Value* hf = node(g, "MatMul", "fc1", {x, g.add_constant("w1", random_tensor({8, 16}, 1, -1, 1))}, "h1_float");
  Value* s = g.add_constant("h1_scale", Tensor::from<float>({}, {scale}));
  Value* zp = g.add_constant("h1_zero_point", Tensor::from<uint8_t>({}, {128}));
  Value* hq = node(g, "QuantizeLinear", "h1_QuantizeLinear", {hf, s, zp}, "h1_quantized");
  Value* h1 = node(g, "DequantizeLinear", "h1_DequantizeLinear", {hq, s, zp}, "h1");
  Value* a1 = node(g, "Relu", "relu1", {h1}, "a1");
  Value* h2 = node(g, "MatMul", "fc2", {a1, g.add_constant("w2", random_tensor({16, 16}, 2, -1, 1))}, "h2");
  Value* a2 = node(g, "Relu", "relu2", {h2}, "a2");
  Value* y = node(g, "MatMul", "fc3", {a2, g.add_constant("w3", random_tensor({16, 4}, 3, 0.5f, 1))}, "y");
  g.outputs.push_back(y);
  return m;
}

const verify::LayerError& find_layer(const verify::LayerCompareResult& r, const std::string& name) {
  for (const auto& e : r.layers)
    if (e.value == name) return e;
  ADD_FAILURE() << "no layer " << name;
  return r.layers.at(0);
}

TEST(VerifyErrorAccumulator, SqnrAndCosineByHand) {
  verify::ErrorAccumulator acc;
  const float f[] = {1, 2}, q[] = {1, 1};
  acc.add(f, q, 1);
  acc.add(f + 1, q + 1, 1);  // chunks add up like one call
  EXPECT_EQ(acc.count(), 2);
  EXPECT_NEAR(acc.sqnr_db(), 10 * std::log10(5.0), 1e-12);         // signal 1+4, noise 0+1
  EXPECT_NEAR(acc.cosine(), 3.0 / std::sqrt(5.0 * 2.0), 1e-12);    // (1+2) / (|f| |q|)
  EXPECT_DOUBLE_EQ(acc.max_abs_error(), 1.0);
  verify::ErrorAccumulator same;
  same.add(f, f, 2);
  EXPECT_TRUE(std::isinf(same.sqnr_db()) && same.sqnr_db() > 0);
  EXPECT_DOUBLE_EQ(same.cosine(), 1.0);
  verify::ErrorAccumulator nan;
  const float bad[] = {1, NAN};
  nan.add(f, bad, 2);
  EXPECT_TRUE(std::isinf(nan.sqnr_db()) && nan.sqnr_db() < 0);
}

TEST(VerifyCompareLayers, ModelWithItselfIsIdentical) {
  auto m = mlp();
  const Tensor data = random_tensor({37, 8}, 5, -2, 2);
  verify::LayerCompareOptions o;
  o.batches.batch = 10;  // 37 = 3 full batches + 7
  const auto r = verify::compare_layers(*m, *clone_model(*m), data, o);
  EXPECT_EQ(r.samples, 37);
  ASSERT_EQ(r.layers.size(), 5u);  // h1 a1 h2 a2 y: every computed tensor
  for (const auto& e : r.layers) {
    SCOPED_TRACE(e.value);
    EXPECT_TRUE(std::isinf(e.sqnr_db) && e.sqnr_db > 0);
    EXPECT_DOUBLE_EQ(e.cosine, 1.0);
    EXPECT_EQ(e.max_abs_error, 0.0);
  }
  EXPECT_EQ(find_layer(r, "h2").node, "fc2");
  EXPECT_EQ(find_layer(r, "h2").op, "MatMul");
  EXPECT_EQ(find_layer(r, "y").elements, 37 * 4);
  EXPECT_EQ(find_layer(r, "h1").elements, 37 * 16);
}

TEST(VerifyCompareLayers, PerturbedLayerRanksWorst) {
  const Tensor data = random_tensor({64, 8}, 6, -2, 2);
  for (bool optimize : {true, false}) {
    SCOPED_TRACE(optimize);
    verify::LayerCompareOptions o;
    o.optimize = optimize;
    const auto r = verify::compare_layers(*mlp(), *mlp(0.05f), data, o);
    ASSERT_EQ(r.layers.size(), 5u);
    EXPECT_EQ(r.layers[0].value, "h2");  // worst first
    EXPECT_EQ(r.layers[0].node, "fc2");
    for (size_t i = 1; i < r.layers.size(); ++i) EXPECT_LE(r.layers[i - 1].sqnr_db, r.layers[i].sqnr_db);
    // Upstream of the perturbation nothing changed.
    EXPECT_TRUE(std::isinf(find_layer(r, "h1").sqnr_db));
    EXPECT_TRUE(std::isinf(find_layer(r, "a1").sqnr_db));
    const auto& h2 = find_layer(r, "h2");
    EXPECT_GT(h2.sqnr_db, 10);  // a 5% perturbation: clearly visible, not garbage
    EXPECT_LT(h2.sqnr_db, 40);
    EXPECT_LT(h2.cosine, 1.0);
    EXPECT_GT(h2.cosine, 0.99);
    EXPECT_GT(find_layer(r, "y").sqnr_db, h2.sqnr_db + 3);  // averaged down by fc3
  }
}

TEST(VerifyCompareLayers, QdqModelComparesTheDequantizedTensorByName) {
  const Tensor data = random_tensor({50, 8}, 7, -1, 1);
  auto f = mlp();
  auto q = mlp_with_qdq_on_h1(8.0f / 255.0f);  // |h1| < 4 here: the uint8 grid covers it
  const auto r = verify::compare_layers(*f, *q, data);
  ASSERT_EQ(r.layers.size(), 5u);  // h1_float, h1_quantized exist only in the quantized model
  const auto& h1 = find_layer(r, "h1");
  EXPECT_EQ(h1.node, "fc1");
  // Uniform 8-bit rounding noise: step^2/12 per element; SQNR of this data is ~35-45 dB.
  EXPECT_GT(h1.sqnr_db, 30);
  EXPECT_LT(h1.sqnr_db, 55);
  EXPECT_LE(h1.max_abs_error, 0.5 * 8.0 / 255.0 + 1e-6);  // at most half a step off
  EXPECT_GT(h1.cosine, 0.999);
  EXPECT_LT(h1.cosine, 1.0);
}

// Cross-layer equalization in miniature: fc2's output channels scaled by 2, 0.5, 4, ...
// and fc3's input rows by the inverse, so y is unchanged but h2/a2 are rescaled per channel.
TEST(VerifyCompareLayers, EqualizedChannelsAreFlaggedNotRankedWorst) {
  auto f = mlp();
  auto q = clone_model(*f);
  const float scales[] = {2.0f, 0.5f, 4.0f, 0.25f};
  for (auto& [name, factor] : std::vector<std::pair<std::string, bool>>{{"w2", false}, {"w3", true}}) {
    Value* w = q->graph.find_value(name);
    Tensor t = Tensor::copy_of(w->constant->view());
    const int64_t rows = t.shape()[0], cols = t.shape()[1];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        // w2 [16,16]: scale output column c; w3 [16,4]: undo it on input row r (powers of two: exact).
        const float sc = scales[(factor ? r : c) % 4];
        t.as<float>()[r * cols + c] *= factor ? 1.0f / sc : sc;
      }
    w->constant = std::make_shared<const Tensor>(std::move(t));
  }
  const Tensor data = random_tensor({40, 8}, 12, -2, 2);
  const auto r = verify::compare_layers(*f, *q, data);
  const auto& h2 = find_layer(r, "h2");
  EXPECT_TRUE(h2.rescaled);
  EXPECT_LT(h2.sqnr_db, 10);           // the raw difference is large...
  EXPECT_GT(h2.rescaled_sqnr_db, 100);  // ...but exactly a per-channel scale
  EXPECT_TRUE(find_layer(r, "a2").rescaled);
  EXPECT_FALSE(find_layer(r, "h1").rescaled);
  EXPECT_GT(find_layer(r, "y").sqnr_db, 100);  // the output is unchanged (up to float rounding)
  EXPECT_FALSE(find_layer(r, "y").rescaled);
  // Ranked by the rescaled SQNR: a real error elsewhere would come first.
  for (size_t i = 1; i < r.layers.size(); ++i) EXPECT_LE(r.layers[i - 1].rank_db(), r.layers[i].rank_db());
  verify::CompareReport rep;
  rep.layers = r;
  EXPECT_NE(verify::report_table(rep).find("channels\n    rescaled"), std::string::npos);
  EXPECT_NE(verify::report_json(rep).find("\"rescaled\":true"), std::string::npos);
  EXPECT_NE(verify::report_html(rep).find("(raw "), std::string::npos);
}

TEST(VerifyCompareLayers, SameNumbersForAnyThreadCountAndBatch) {
  const Tensor data = random_tensor({45, 8}, 13, -2, 2);
  verify::LayerCompareOptions one;
  one.batches.batch = 45;
  const auto ref = verify::compare_layers(*mlp(), *mlp(0.05f), data, one);
  for (auto [threads, batch] : std::vector<std::pair<int, int64_t>>{{2, 45}, {3, 7}, {1, 1}}) {
    SCOPED_TRACE(threads);
    verify::LayerCompareOptions o;
    o.batches.threads = threads;
    o.batches.batch = batch;
    const auto r = verify::compare_layers(*mlp(), *mlp(0.05f), data, o);
    ASSERT_EQ(r.layers.size(), ref.layers.size());
    for (size_t i = 0; i < r.layers.size(); ++i) {
      EXPECT_EQ(r.layers[i].value, ref.layers[i].value);
      // Kernels split work statically (bit-identical outputs); the sums run in sample order.
      EXPECT_DOUBLE_EQ(r.layers[i].sqnr_db, ref.layers[i].sqnr_db);
      EXPECT_DOUBLE_EQ(r.layers[i].cosine, ref.layers[i].cosine);
    }
  }
}

TEST(VerifyCompareLayers, UnrelatedModelIsRefused) {
  auto a = mlp();
  auto b = std::make_shared<Model>();
  Graph& g = b->graph;
  g.opset_imports[""] = 21;
  g.outputs.push_back(node(g, "Relu", "other", {add_input(g, "x", 8)}, "z"));
  const Tensor data = random_tensor({4, 8}, 8, -1, 1);
  try {
    verify::compare_layers(*a, *b, data);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("shares no intermediate tensor"), std::string::npos);
  }
}

TEST(VerifyBatchFeeder, FixedBatchDimAndLimit) {
  auto m = mlp();
  (*m->graph.inputs[0]->shape)[0] = SymDim{4, ""};
  const Tensor data = random_tensor({10, 8}, 9, -1, 1);
  verify::BatchOptions o;
  o.batch = 3;  // ignored: the model says 4
  verify::BatchFeeder fixed(*m, data, o);
  EXPECT_EQ(fixed.samples(), 8);  // the partial last batch of 2 is left out
  EXPECT_EQ(fixed.batches(), 2);
  EXPECT_EQ(fixed.feed(1)[0].view.shape, (Shape{4, 8}));
  EXPECT_EQ(fixed.feed(1)[0].view.as<float>(), data.as<float>() + 4 * 8);
  auto dyn = mlp();
  o.limit = 7;
  verify::BatchFeeder limited(*dyn, data, o);
  EXPECT_EQ(limited.samples(), 7);
  EXPECT_EQ(limited.batches(), 3);
  EXPECT_EQ(limited.batch_size(2), 1);
}

verify::CompareReport sample_report() {
  const Tensor data = random_tensor({20, 8}, 10, -2, 2);
  verify::CompareReport rep;
  rep.layers = verify::compare_layers(*mlp(), *mlp(0.05f), data);
  rep.samples = rep.layers.samples;
  rep.output_name = "y";
  rep.float_model = {"float <&> model.onnx", 4000, 0.5, 91.5};
  rep.quant_model = {"quant.onnx", 1100, 0.2, 91.0};
  rep.top1_agreement = 97.5;
  verify::SensitivityResult s;
  s.against_labels = true;
  s.float_top1 = 91.5;
  s.samples = 20;
  s.layers = {{"fc2", "MatMul", 21.5, 90.0, 1.5}, {"fc1", "MatMul", INFINITY, 91.5, 0.0}};
  rep.sensitivity = s;
  return rep;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(VerifyReport, HtmlIsSelfContainedAndHasTheCharts) {
  const std::string html = verify::report_html(sample_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* id : {"chart-sqnr", "chart-sensitivity", "chart-size", "chart-latency"})
    EXPECT_NE(html.find(std::string("<svg class=\"chart\" id=\"") + id + "\""), std::string::npos) << id;
  for (const char* tag : {"svg", "table", "script", "g", "title", "body", "head", "style"}) {
    SCOPED_TRACE(tag);  // every element opened is closed
    EXPECT_EQ(count(html, std::string("<") + tag + ">") + count(html, std::string("<") + tag + " "),
              count(html, std::string("</") + tag + ">"));
  }
  for (const char* name : {"h1 (MatMul)", "h2 (MatMul)", "a2 (Relu)", "fc2 (MatMul)", "fc1 (MatMul)"})
    EXPECT_NE(html.find(name), std::string::npos) << name;
  EXPECT_NE(html.find("float &lt;&amp;&gt; model.onnx"), std::string::npos);  // escaped
  EXPECT_EQ(html.find("<&>"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no external resource
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(count(html, "<g class=\"bar\">"), 5u + 2u + 2u + 2u);  // sqnr, sensitivity, size, latency
}

TEST(VerifyReport, JsonAndTable) {
  const verify::CompareReport rep = sample_report();
  const std::string json = verify::report_json(rep);
  EXPECT_NE(json.find("\"float\":{\"path\":\"float <&> model.onnx\",\"file_bytes\":4000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"tensor\":\"h2\",\"node\":\"fc2\",\"op\":\"MatMul\""), std::string::npos);
  EXPECT_NE(json.find("\"tensor\":\"h1\""), std::string::npos);
  EXPECT_NE(json.find("\"sqnr_db\":null,\"identical\":true"), std::string::npos);  // h1 is unchanged
  EXPECT_NE(json.find("\"node\":\"fc1\",\"op\":\"MatMul\",\"output_sqnr_db\":null"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  EXPECT_EQ(count(json, "{"), count(json, "}"));
  EXPECT_EQ(count(json, "["), count(json, "]"));
  const std::string table = verify::report_table(rep, 2);
  EXPECT_NE(table.find("Compared on 20 samples"), std::string::npos) << table;
  EXPECT_NE(table.find("size ratio 0.275"), std::string::npos) << table;
  EXPECT_NE(table.find("h2"), std::string::npos);
  EXPECT_NE(table.find("... 3 more"), std::string::npos);
  EXPECT_NE(table.find("+1.50"), std::string::npos);  // fc2's top-1 drop
}

}  // namespace
}  // namespace wisp
