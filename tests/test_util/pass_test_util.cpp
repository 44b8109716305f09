#include "test_util/pass_test_util.hpp"

#include <cmath>
#include <random>

#include "ir/graph_clone.hpp"
#include "ir/verifier.hpp"
#include "runtime/session.hpp"

namespace wisp::test {

ModelBuilder::ModelBuilder() : model_(std::make_shared<Model>()) { model_->graph.opset_imports[""] = 21; }

Value* ModelBuilder::input(const std::string& name, const Shape& shape, DType dtype) {
  Value* v = model_->graph.add_value(name);
  v->dtype = dtype;
  SymShape s;
  for (int64_t d : shape) s.push_back(SymDim{d, ""});
  v->shape = s;
  model_->graph.inputs.push_back(v);
  return v;
}

Value* ModelBuilder::constant(const std::string& name, Tensor t) { return model_->graph.add_constant(name, std::move(t)); }

Value* ModelBuilder::random_constant(const std::string& name, const Shape& shape, float lo, float hi) {
  std::mt19937 rng(static_cast<uint32_t>(1000 + next_++));
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = dist(rng);
  return constant(name, std::move(t));
}

Node* ModelBuilder::node(const std::string& op, const std::vector<Value*>& inputs, const Attributes& attrs,
                         int outputs) {
  Graph& g = model_->graph;
  const std::string name = g.unique_name(op + "_" + std::to_string(next_++));
  std::vector<Value*> outs;
  for (int i = 0; i < outputs; ++i) outs.push_back(g.add_value(i == 0 ? name + "_out" : name + "_out" + std::to_string(i)));
  Node* n = g.add_node(op, name, inputs, outs);
  n->attrs = attrs;
  return n;
}

std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> m;
  for (const auto& n : g.nodes()) ++m[n->op_type];
  return m;
}

std::shared_ptr<Model> apply_pass(const Model& model, bool (*pass)(Graph&), bool* changed) {
  std::shared_ptr<Model> m = clone_model(model);
  const bool c = pass(m->graph);
  if (changed) *changed = c;
  verify_graph(m->graph);
  return m;
}

double expect_same_outputs(const Model& before, const Model& after, uint32_t seed) {
  auto a_model = clone_model(before), b_model = clone_model(after);
  Session a(a_model), b(b_model);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<Tensor> data;
  std::vector<NamedTensorView> views;
  for (const Value* v : before.graph.inputs) {
    Shape s;
    for (const SymDim& d : *v->shape) s.push_back(d.value);
    Tensor t(DType::kF32, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = dist(rng);
    data.push_back(std::move(t));
    views.push_back({v->name, data.back().view()});
  }
  const std::vector<Tensor> ya = a.run(views), yb = b.run(views);
  EXPECT_EQ(ya.size(), yb.size());
  double worst = 0;
  for (size_t o = 0; o < std::min(ya.size(), yb.size()); ++o) {
    EXPECT_EQ(ya[o].shape(), yb[o].shape()) << "output " << o;
    if (ya[o].shape() != yb[o].shape()) continue;
    for (int64_t i = 0; i < ya[o].numel(); ++i) {
      const double x = ya[o].as<float>()[i], y = yb[o].as<float>()[i], d = std::fabs(x - y);
      worst = std::max(worst, d);
      EXPECT_LE(d, 1e-5 * std::max(1.0, std::fabs(x))) << "output " << o << " element " << i << ": " << x << " vs " << y;
    }
  }
  return worst;
}

}  // namespace wisp::test
