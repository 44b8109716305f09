// Building small graphs for pass tests, and checking that a pass keeps the graph's results.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace wisp::test {

// Appends nodes to a fresh model (ai.onnx opset 21). Each node has one output unless
// `outputs` says otherwise; the output values are named after the node.
class ModelBuilder {
 public:
  ModelBuilder();
  Value* input(const std::string& name, const Shape& shape, DType dtype = DType::kF32);
  Value* constant(const std::string& name, Tensor t);
  // A float32 constant of `shape` filled with deterministic pseudo-random values in [lo, hi).
  Value* random_constant(const std::string& name, const Shape& shape, float lo = -1, float hi = 1);
  Node* node(const std::string& op, const std::vector<Value*>& inputs, const Attributes& attrs = {}, int outputs = 1);
  Value* op(const std::string& op, const std::vector<Value*>& inputs, const Attributes& attrs = {}) {
    return node(op, inputs, attrs)->outputs[0];
  }
  void output(Value* v) { model_->graph.outputs.push_back(v); }
  std::shared_ptr<Model> model() const { return model_; }

 private:
  std::shared_ptr<Model> model_;
  int next_ = 0;
};

// Number of nodes of each op type.
std::map<std::string, int> op_counts(const Graph& g);

// A copy of `model` with `pass` applied (and the result verified); `changed` gets its return.
std::shared_ptr<Model> apply_pass(const Model& model, bool (*pass)(Graph&), bool* changed = nullptr);

// Runs both models on the same random inputs (uniform in [-2, 2), seeded) and checks each
// output element: |a - b| <= 1e-5 * max(1, |b|). Returns the largest difference seen.
double expect_same_outputs(const Model& before, const Model& after, uint32_t seed = 1);

}  // namespace wisp::test
