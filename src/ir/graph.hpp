// The graph IR: Values (edges: tensors with a type and a possibly symbolic shape),
// Nodes (op applications) and Graph (owns both, keeps nodes in topological order).
//
// Ops are in their canonical form: the importer rewrites every older ONNX opset form into
// the newest one (e.g. Squeeze's axes become input 1), so ops and kernels see one form.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/attribute.hpp"

namespace wisp {

class Node;

// One dimension of a declared shape: a fixed size, or a symbol ("batch") or unknown (-1, "").
struct SymDim {
  int64_t value = -1;
  std::string symbol;
  bool is_static() const { return value >= 0; }
};
using SymShape = std::vector<SymDim>;
std::string sym_shape_str(const SymShape& s);  // "[batch,3,224,224]"

class Value {
 public:
  std::string name;
  DType dtype = DType::kUndefined;
  std::optional<SymShape> shape;                // declared or inferred; may be absent
  Node* producer = nullptr;                     // null for graph inputs and constants
  int producer_output = -1;
  std::shared_ptr<const Tensor> constant;       // initializer data, when this is a constant

  bool is_constant() const { return constant != nullptr; }
};

class Node {
 public:
  std::string name;       // unique within the graph; synthesised by the importer if absent
  std::string op_type;    // "Conv"
  std::string domain;     // "" for ai.onnx
  int opset = 0;          // opset version of `domain` the model was written against
  std::vector<Value*> inputs;   // nullptr for an omitted optional input
  std::vector<Value*> outputs;  // nullptr for an omitted optional output
  Attributes attrs;

  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  bool has_output(size_t i) const { return i < outputs.size() && outputs[i] != nullptr; }
  std::string label() const;  // "Conv 'conv1'" for error messages
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  std::string name;
  std::vector<Value*> inputs;   // graph inputs that are not constants
  std::vector<Value*> outputs;
  std::map<std::string, int> opset_imports;  // domain -> version ("" is ai.onnx)
  // Subgraphs (If/Loop/Scan bodies) only: names this graph reads from an enclosing graph.
  // Each has a placeholder Value here (no producer, not constant) with the same name; the
  // runtime binds it to the enclosing graph's value of that name.
  std::vector<std::string> outer_refs;

  // Creates a value; names must be unique (kInvalidModel otherwise). An empty name is
  // replaced by a fresh unique one.
  Value* add_value(const std::string& name);
  Value* find_value(const std::string& name) const;
  Value* add_constant(const std::string& name, Tensor t);
  // Appends a node; sets the producer of its outputs (kInvalidModel if already produced).
  Node* add_node(std::string op_type, std::string name, std::vector<Value*> inputs,
                 std::vector<Value*> outputs, std::string domain = "");
  std::string unique_name(const std::string& base);

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const std::vector<std::unique_ptr<Value>>& values() const { return values_; }
  // Removes the nodes for which `drop` is true (their outputs must have no other users).
  template <class Pred> void remove_nodes_if(Pred drop) { std::erase_if(nodes_, [&](auto& n) { return drop(*n); }); }
  // Drops values nothing refers to any more (not a node's input or output, a graph input
  // or output, or an outer reference), e.g. the weights a pass replaced. Returns how many.
  size_t erase_unused_values();

  // Orders nodes so every node comes after the producers of its inputs. Throws
  // kInvalidModel naming a node on the cycle when the graph has one. Values not produced
  // inside this graph must be inputs, constants, or (for subgraphs) names from an
  // enclosing graph listed in `outer_names`.
  void sort_topologically();

 private:
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, Value*> by_name_;
  int64_t next_id_ = 0;
};

// Producer metadata of a model, kept for `wisp inspect` and later for packaging.
struct ModelInfo {
  int64_t ir_version = 0;
  std::string producer_name, producer_version, domain, doc_string;
  int64_t model_version = 0;
  std::string source_path;
};

struct Model {
  Graph graph;
  ModelInfo info;
};

}  // namespace wisp
