#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "io/dataset.hpp"
#include "ir/verifier.hpp"
#include "onnx/onnx_importer.hpp"
#include "quant/layer_sqnr.hpp"
#include "quant/quantizer.hpp"
#include "runtime/session.hpp"

namespace wisp::quant {
namespace {

// Small graphs with chosen names (Contract 1 is about names).
struct Net {
  std::shared_ptr<Model> model = std::make_shared<Model>();
  Graph& g() { return model->graph; }
  Value* input(const std::string& name, const Shape& s) {
    Value* v = g().add_value(name);
    v->dtype = DType::kF32;
    SymShape sym;
    for (int64_t d : s) sym.push_back(SymDim{d, ""});
    v->shape = sym;
    g().inputs.push_back(v);
    return v;
  }
  Value* weight(const std::string& name, const Shape& s, uint32_t seed, float lo = -1, float hi = 1) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    Tensor t(DType::kF32, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = d(rng);
    return g().add_constant(name, std::move(t));
  }
  Value* op(const std::string& type, const std::string& name, std::vector<Value*> ins, const Attributes& a = {}) {
    Value* out = g().add_value(name);
    out->dtype = DType::kF32;
    Node* n = g().add_node(type, name, std::move(ins), {out});
    n->attrs = a;
    return out;
  }
  Net() { g().opset_imports[""] = 17; }
};

Attributes conv_attrs(int64_t k, int64_t group = 1) {
  Attributes a;
  a.set_ints("kernel_shape", {k, k});
  const int64_t p = k / 2;
  a.set_ints("pads", {p, p, p, p});
  a.set_int("group", group);
  return a;
}

// x[1,3,8,8] -> Conv(w1,b1) "c1" -> Relu "r1" -> MaxPool "p1" -> GlobalAveragePool "gap"
// -> Flatten "flat" -> Gemm(wf [4, 6] transB, bf) "y"
std::shared_ptr<Model> small_cnn() {
  Net n;
  Value* x = n.input("x", {1, 3, 8, 8});
  Value* c1 = n.op("Conv", "c1", {x, n.weight("w1", {6, 3, 3, 3}, 1), n.weight("b1", {6}, 2)}, conv_attrs(3));
  Value* r1 = n.op("Relu", "r1", {c1});
  Attributes mp;
  mp.set_ints("kernel_shape", {2, 2});
  mp.set_ints("strides", {2, 2});
  Value* p1 = n.op("MaxPool", "p1", {r1}, mp);
  Value* gap = n.op("GlobalAveragePool", "gap", {p1});
  Value* flat = n.op("Flatten", "flat", {gap});
  Attributes ga;
  ga.set_int("transB", 1);
  Value* y = n.op("Gemm", "y", {flat, n.weight("wf", {4, 6}, 3), n.weight("bf", {4}, 4)}, ga);
  n.g().outputs.push_back(y);
  return n.model;
}

CalibrationData random_feeds(const std::string& name, const Shape& s, int count, uint32_t seed) {
  CalibrationData d;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < count; ++i) {
    Tensor t(DType::kF32, s);
    for (int64_t k = 0; k < t.numel(); ++k) t.as<float>()[k] = u(rng);
    d.feeds.push_back({{name, std::move(t)}});
  }
  return d;
}

double output_sqnr(const Model& a, const Model& b, const CalibrationData& data) {
  const std::string out = a.graph.outputs[0]->name;
  return value_sqnr(a, b, {out}, data).at(out);
}

const Node* producer_of(const Graph& g, const std::string& value) {
  const Value* v = g.find_value(value);
  return v ? v->producer : nullptr;
}

TEST(QuantizeStatic, QdqGraphFollowsContractOne) {
  auto model = small_cnn();
  QuantizeOptions o;
  o.equalize = false;
  o.bias_correction = false;
  QuantizeReport rep;
  auto q = quantize_static(*model, random_feeds("x", {1, 3, 8, 8}, 8, 1), o, &rep);
  const Graph& g = q->graph;
  verify_graph(g);
  // Weights: int8 W_quantized, DQ(axis 0 for Conv, axis 0 for Gemm with transB) -> "w1".
  const Value* w1q = g.find_value("w1_quantized");
  ASSERT_TRUE(w1q && w1q->is_constant());
  EXPECT_EQ(w1q->constant->dtype(), DType::kI8);
  const Node* dq_w1 = producer_of(g, "w1");
  ASSERT_TRUE(dq_w1);
  EXPECT_EQ(dq_w1->op_type, "DequantizeLinear");
  EXPECT_EQ(dq_w1->attrs.get_int("axis", -1), 0);
  EXPECT_EQ(g.find_value("w1_scale")->constant->numel(), 6);
  EXPECT_EQ(producer_of(g, "wf")->attrs.get_int("axis", -1), 0);
  // Bias: int32 with scale x_scale * w_scale.
  const Value* b1q = g.find_value("b1_quantized");
  ASSERT_TRUE(b1q && b1q->is_constant());
  EXPECT_EQ(b1q->constant->dtype(), DType::kI32);
  const float x_scale = *g.find_value("x_scale")->constant->as<float>();
  EXPECT_FLOAT_EQ(g.find_value("b1_scale")->constant->as<float>()[2],
                  x_scale * g.find_value("w1_scale")->constant->as<float>()[2]);
  // Graph input: x -> Q -> x_quantized (uint8) -> DQ -> x_dequantized, which the Conv reads.
  EXPECT_EQ(g.inputs[0]->name, "x");
  EXPECT_EQ(g.find_value("x_quantized")->dtype, DType::kU8);
  EXPECT_EQ(producer_of(g, "c1")->inputs[0]->name, "x_dequantized");
  // Relu fused before Q: c1 is not quantized, r1 is; Relu now writes r1_float.
  EXPECT_EQ(g.find_value("c1_quantized"), nullptr);
  EXPECT_EQ(producer_of(g, "r1_float")->op_type, "Relu");
  EXPECT_EQ(producer_of(g, "r1_quantized")->op_type, "QuantizeLinear");
  EXPECT_EQ(producer_of(g, "r1")->op_type, "DequantizeLinear");
  // MaxPool passes through with the same params; GlobalAveragePool gets its own.
  EXPECT_EQ(*g.find_value("p1_scale")->constant->as<float>(), *g.find_value("r1_scale")->constant->as<float>());
  EXPECT_NE(g.find_value("gap_quantized"), nullptr);
  // The graph output keeps its name and stays float.
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_EQ(g.outputs[0]->dtype, DType::kF32);
  EXPECT_GE(g.opset_imports.at(""), 13);
  EXPECT_EQ(rep.quantized_nodes.size(), 2u);
  EXPECT_LT(rep.weight_bytes_after, rep.weight_bytes_before / 2);
  // And it computes nearly what the float model does on held-out inputs.
  EXPECT_GT(output_sqnr(*model, *q, random_feeds("x", {1, 3, 8, 8}, 4, 99)), 25.0);
}

TEST(QuantizeStatic, SymmetricActivationsAreInt8WithZeroPointZero) {
  auto model = small_cnn();
  QuantizeOptions o;
  o.symmetric_activations = true;
  auto q = quantize_static(*model, random_feeds("x", {1, 3, 8, 8}, 8, 1), o);
  const Value* zp = q->graph.find_value("r1_zero_point");
  ASSERT_TRUE(zp && zp->is_constant());
  EXPECT_EQ(zp->constant->dtype(), DType::kI8);
  EXPECT_EQ(*zp->constant->as<int8_t>(), 0);
  EXPECT_GT(output_sqnr(*model, *q, random_feeds("x", {1, 3, 8, 8}, 4, 99)), 20.0);
}

TEST(QuantizeStatic, KeepFloatAndOnlyNodesReuseOneCalibration) {
  auto model = small_cnn();
  const CalibrationData data = random_feeds("x", {1, 3, 8, 8}, 8, 1);
  const Calibration cal = calibrate(*model, data, QuantizeOptions{});
  QuantizeOptions keep;
  keep.keep_float = {"y"};
  QuantizeReport rep;
  auto q1 = quantize_static(cal, data, keep, &rep);
  EXPECT_TRUE(q1->graph.find_value("wf")->is_constant());  // Gemm weight still float
  EXPECT_EQ(q1->graph.find_value("wf_quantized"), nullptr);
  EXPECT_NE(q1->graph.find_value("w1_quantized"), nullptr);
  ASSERT_EQ(rep.float_nodes.size(), 1u);
  QuantizeOptions only;
  only.only_nodes = {"y"};
  auto q2 = quantize_static(cal, data, only);
  EXPECT_NE(q2->graph.find_value("wf_quantized"), nullptr);
  EXPECT_EQ(q2->graph.find_value("w1_quantized"), nullptr);
  EXPECT_EQ(q2->graph.find_value("r1_quantized"), nullptr);  // only the Gemm's own tensors
}

// A depthwise-separable block whose channels are deliberately unbalanced (as BN folding
// leaves MobileNets): channel c of the first conv is scaled by k_c spanning 1e-2..1e1 and
// the depthwise conv undoes it, so the float function uses every channel equally.
std::shared_ptr<Model> unbalanced_depthwise_net() {
  Net n;
  Value* x = n.input("x", {1, 4, 10, 10});
  const int64_t c = 8;
  Value* w1 = n.weight("w1", {c, 4, 1, 1}, 11);
  Value* wd = n.weight("wd", {c, 1, 3, 3}, 12, 0.2f, 1.0f);
  Tensor& t1 = const_cast<Tensor&>(*w1->constant);
  Tensor& td = const_cast<Tensor&>(*wd->constant);
  for (int64_t ch = 0; ch < c; ++ch) {
    const float k = std::pow(10.0f, -2.0f + 3.0f * static_cast<float>(ch) / (c - 1));
    for (int64_t i = 0; i < 4; ++i) t1.as<float>()[ch * 4 + i] *= k;
    for (int64_t i = 0; i < 9; ++i) td.as<float>()[ch * 9 + i] /= k;
  }
  Value* a = n.op("Relu", "a", {n.op("Conv", "pw1", {x, w1, n.weight("b1", {c}, 13, 0.0f, 0.01f)}, conv_attrs(1))});
  Value* d = n.op("Relu", "d", {n.op("Conv", "dw", {a, wd, n.weight("bd", {c}, 14, -0.1f, 0.1f)}, conv_attrs(3, c))});
  Value* y = n.op("Conv", "pw2", {d, n.weight("w2", {4, c, 1, 1}, 15), n.weight("b2", {4}, 16)}, conv_attrs(1));
  n.g().outputs.push_back(y);
  return n.model;
}

TEST(QuantizeStatic, EqualizationAvoidsTheDepthwiseCollapse) {
  auto model = unbalanced_depthwise_net();
  const CalibrationData calib = random_feeds("x", {1, 4, 10, 10}, 16, 3);
  const CalibrationData held_out = random_feeds("x", {1, 4, 10, 10}, 8, 77);
  QuantizeOptions naive;
  naive.method = CalibMethod::kMinMax;
  naive.equalize = false;
  naive.bias_correction = false;
  const double naive_db = output_sqnr(*model, *quantize_static(*model, calib, naive), held_out);
  QuantizeReport rep;
  const double ours_db = output_sqnr(*model, *quantize_static(*model, calib, QuantizeOptions{}, &rep), held_out);
  // Per-tensor activations after the unbalanced conv lose the small channels without
  // equalization; with it the block is quantized as well as a balanced one.
  EXPECT_LT(naive_db, 20.0);
  EXPECT_GT(ours_db, naive_db + 10.0);
  EXPECT_GT(ours_db, 25.0);
  EXPECT_EQ(rep.equalized_pairs, 2);  // pw1 -> dw and dw -> pw2
  EXPECT_GT(rep.bias_corrected_nodes, 0);
  std::printf("depthwise block output SQNR: naive minmax %.1f dB, equalized + bias-corrected + auto %.1f dB\n", naive_db,
              ours_db);
}

TEST(QuantizeStatic, SensitivityRanksTheNoisiestLayerFirst) {
  // The unbalanced depthwise block without equalization: the pointwise conv whose output
  // spans 1e-2..1e1 per channel loses the most when its output is quantized per tensor.
  auto model = unbalanced_depthwise_net();
  const CalibrationData calib = random_feeds("x", {1, 4, 10, 10}, 8, 3);
  QuantizeOptions o;
  o.equalize = false;
  o.method = CalibMethod::kMinMax;
  const Calibration cal = calibrate(*model, calib, o);
  QuantizeReport rep;
  auto q = quantize_static(cal, calib, o, &rep);
  const auto ranked = rank_sensitive_nodes(*cal.prepared_model, *q, rep, calib);
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[0].first, "pw1");
  EXPECT_GE(ranked[0].second, ranked[1].second);
  EXPECT_GE(ranked[1].second, ranked[2].second);
  // Keeping it float (what --accuracy-budget does) recovers most of the output SQNR.
  const double before = output_sqnr(*model, *q, calib);
  o.keep_float = {ranked[0].first};
  const double after = output_sqnr(*model, *quantize_static(cal, calib, o), calib);
  EXPECT_GT(after, before + 6.0);
}

TEST(QuantizeStatic, NamesAlreadyInTheModelAreNotReused) {
  // A model that already has a value named like one the rewrite adds ("r1_float").
  auto model = small_cnn();
  Value* r1 = model->graph.find_value("r1");
  Value* clash = model->graph.add_value("r1_float");
  clash->dtype = DType::kF32;
  model->graph.add_node("Sigmoid", "keep", {r1}, {clash});
  model->graph.outputs.push_back(clash);
  auto q = quantize_static(*model, random_feeds("x", {1, 3, 8, 8}, 4, 1), QuantizeOptions{});
  verify_graph(q->graph);
  EXPECT_EQ(producer_of(q->graph, "r1_float")->op_type, "Sigmoid");
  EXPECT_EQ(producer_of(q->graph, "r1")->op_type, "DequantizeLinear");
}

TEST(QuantizeStatic, CalibrationNeedsData) {
  auto model = small_cnn();
  EXPECT_THROW(quantize_static(*model, CalibrationData{}, QuantizeOptions{}), Error);
}

TEST(QuantizeDynamic, MatMulGetsDynamicActivationQuantization) {
  Net n;
  Value* x = n.input("x", {2, 16});
  Value* h = n.op("MatMul", "h", {x, n.weight("w", {16, 8}, 5)});
  Value* y = n.op("MatMul", "y", {n.op("Relu", "hr", {h}), n.weight("w2", {8, 3}, 6)});
  n.g().outputs.push_back(y);
  QuantizeReport rep;
  auto q = quantize_dynamic(*n.model, &rep);
  verify_graph(q->graph);
  EXPECT_EQ(producer_of(q->graph, "hr_quantized")->op_type, "DynamicQuantizeLinear");
  EXPECT_EQ(producer_of(q->graph, "w")->attrs.get_int("axis", -1), 1);
  EXPECT_EQ(q->graph.find_value("w_quantized")->constant->dtype(), DType::kI8);
  EXPECT_EQ(rep.quantized_nodes.size(), 2u);
  CalibrationData data;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  Tensor t(DType::kF32, Shape{2, 16});
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = nd(rng);
  data.feeds.push_back({{"x", std::move(t)}});
  EXPECT_GT(output_sqnr(*n.model, *q, data), 25.0);
}

TEST(QuantizeDynamic, SharedWeightIsQuantizedOnceForEveryReader) {
  // Exporters dedupe identical initializers: two layers may read one weight.
  Net n;
  Value* x = n.input("x", {2, 8});
  Value* w = n.weight("w", {8, 8}, 21);
  Value* y = n.op("MatMul", "y", {n.op("MatMul", "h", {x, w}), w});
  n.g().outputs.push_back(y);
  QuantizeReport rep;
  auto q = quantize_dynamic(*n.model, &rep);
  verify_graph(q->graph);
  EXPECT_EQ(rep.quantized_nodes.size(), 2u);
  EXPECT_TRUE(rep.float_nodes.empty());
  EXPECT_EQ(producer_of(q->graph, "h_quantized")->op_type, "DynamicQuantizeLinear");
}

// The torch-exported sample CNN (models/, PyTorch 1.13): calibrate on 64 Fashion-MNIST test
// images, then measure the logits' SQNR on 64 other images and top-1 on all 300.
TEST(QuantizeStatic, TorchExportedCnnKeepsItsAccuracy) {
  const std::string dir = std::string(WISP_SOURCE_DIR) + "/models/";
  auto model = import_onnx_file(dir + "fashion_mnist_cnn.onnx");
  DatasetOptions o;
  const Tensor images = load_dataset(dir + "fashion_mnist_test_images.npy", o);
  const Tensor labels = load_labels(dir + "fashion_mnist_test_labels.npy");
  auto feeds = [&](int64_t begin, int64_t count, int64_t batch) {
    CalibrationData d;
    for (int64_t s = begin; s < begin + count; s += batch) d.feeds.push_back({{"image", slice_samples(images, s, batch)}});
    return d;
  };
  QuantizeReport rep;
  auto q = quantize_static(*model, feeds(0, 64, 16), QuantizeOptions{}, &rep);
  EXPECT_EQ(rep.quantized_nodes.size(), 4u);  // 2 Conv + 2 Gemm
  EXPECT_GT(output_sqnr(*model, *q, feeds(64, 64, 16)), 25.0);
  auto top1 = [&](const std::shared_ptr<const Model>& m) {
    Session s(m, SessionConfig{.default_symbolic_dim = 1});
    int right = 0;
    for (int64_t i = 0; i < 300; i += 50) {
      const Tensor batch = slice_samples(images, i, 50);
      const std::vector<Tensor> out = s.run({{"image", batch.view()}});
      for (int64_t k = 0; k < 50; ++k) {
        const float* row = out[0].as<float>() + k * 10;
        right += std::max_element(row, row + 10) - row == labels.as<int64_t>()[i + k];
      }
    }
    return right;
  };
  const int float_right = top1(model), quant_right = top1(q);
  EXPECT_EQ(float_right, 283);  // 94.33%, as `wisp eval` reports
  EXPECT_GE(quant_right, float_right - 2);
}

}  // namespace
}  // namespace wisp::quant
