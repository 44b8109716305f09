// The converter table: how each ONNX op becomes IR. Ops whose ONNX form equals the
// canonical IR form need no entry (the default copies inputs, outputs and attributes).
// An entry exists where opsets differ: it rewrites older forms into the newest one, e.g.
//   Squeeze-11 (axes attribute)  ->  Squeeze with axes as a constant input 1
//   Softmax-11 (2-D coercion)    ->  Flatten + Softmax(axis=1) + Reshape
// so ops and kernels only ever see one form. One converter per op (or op family) file:
// src/onnx/converters/<op>.cpp, registered with WISP_REGISTER_ONNX_CONVERTER.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace wisp {

// The ONNX node being converted, already decoded (attributes converted to IR Attributes).
struct OnnxNode {
  std::string name, op_type, domain;
  int opset = 0;  // the model's opset for this node's domain
  std::vector<Value*> inputs;   // nullptr where the ONNX input name is ""
  std::vector<Value*> outputs;  // nullptr where the ONNX output name is ""
  Attributes attrs;
};

class ConvertContext {
 public:
  ConvertContext(Graph& graph, const OnnxNode& node) : graph_(graph), node_(node) {}
  const OnnxNode& node() const { return node_; }
  Graph& graph() { return graph_; }

  // Appends an IR node. `name_suffix` is appended to the ONNX node's name (use "" for the
  // node that keeps the ONNX name, so errors and profiles name the user's node).
  Node* emit(const std::string& op_type, std::vector<Value*> inputs, std::vector<Value*> outputs,
             Attributes attrs, const std::string& name_suffix = "");
  // The default conversion: one IR node identical to the ONNX node.
  Node* emit_as_is();
  // A fresh intermediate value named after the node.
  Value* temp(const std::string& hint);
  // A fresh constant (1-D int64 by default, the common case for axes/pads/shapes).
  Value* const_i64(const std::vector<int64_t>& values, const std::string& hint);
  Value* const_tensor(Tensor t, const std::string& hint);
  // The newest opsets turned several ints attributes into inputs (axes, pads, split): this
  // removes attribute `name` from `attrs` and returns its values as a constant 1-D input.
  Value* ints_attr_as_input(Attributes& attrs, const std::string& name);

  [[noreturn]] void fail_invalid(const std::string& msg) const;
  [[noreturn]] void fail_unsupported(const std::string& msg) const;

 private:
  Graph& graph_;
  const OnnxNode& node_;
};

using OnnxConverterFn = void (*)(ConvertContext&);

void register_onnx_converter(const std::string& domain, const std::string& op_type, OnnxConverterFn fn);
OnnxConverterFn find_onnx_converter(const std::string& domain, const std::string& op_type);

struct OnnxConverterRegistrar {
  OnnxConverterRegistrar(const char* op_type, OnnxConverterFn fn, const char* domain = "") {
    register_onnx_converter(domain, op_type, fn);
  }
};

#define WISP_ONNX_CONCAT_INNER(a, b) a##b
#define WISP_ONNX_CONCAT(a, b) WISP_ONNX_CONCAT_INNER(a, b)
// WISP_REGISTER_ONNX_CONVERTER("Squeeze", convert_squeeze);
#define WISP_REGISTER_ONNX_CONVERTER(...) \
  static const ::wisp::OnnxConverterRegistrar WISP_ONNX_CONCAT(wisp_onnx_conv_, __COUNTER__)(__VA_ARGS__)

}  // namespace wisp
