#include "onnx/onnx_converters.hpp"

#include <map>
#include <utility>

#include "core/status.hpp"

namespace wisp {
namespace {

std::map<std::pair<std::string, std::string>, OnnxConverterFn>& converters() {
  static std::map<std::pair<std::string, std::string>, OnnxConverterFn> table;
  return table;
}

}  // namespace

void register_onnx_converter(const std::string& domain, const std::string& op_type, OnnxConverterFn fn) {
  auto key = std::make_pair(domain == "ai.onnx" ? std::string() : domain, op_type);
  if (converters().count(key)) fail(ErrorCode::kInternal, "ONNX converter for ", op_type, " registered twice");
  converters()[key] = fn;
}

OnnxConverterFn find_onnx_converter(const std::string& domain, const std::string& op_type) {
  auto it = converters().find({domain == "ai.onnx" ? std::string() : domain, op_type});
  return it == converters().end() ? nullptr : it->second;
}

Node* ConvertContext::emit(const std::string& op_type, std::vector<Value*> inputs, std::vector<Value*> outputs,
                           Attributes attrs, const std::string& name_suffix) {
  std::string name = node_.name + name_suffix;
  if (!name_suffix.empty()) name = graph_.unique_name(name);
  Node* n = graph_.add_node(op_type, std::move(name), std::move(inputs), std::move(outputs), node_.domain);
  n->opset = node_.opset;
  n->attrs = std::move(attrs);
  return n;
}

Node* ConvertContext::emit_as_is() { return emit(node_.op_type, node_.inputs, node_.outputs, node_.attrs); }

Value* ConvertContext::temp(const std::string& hint) { return graph_.add_value(graph_.unique_name(node_.name + "/" + hint)); }

Value* ConvertContext::const_i64(const std::vector<int64_t>& values, const std::string& hint) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.as<int64_t>()[i] = values[i];
  return const_tensor(std::move(t), hint);
}

Value* ConvertContext::const_tensor(Tensor t, const std::string& hint) {
  return graph_.add_constant(graph_.unique_name(node_.name + "/" + hint), std::move(t));
}

Value* ConvertContext::ints_attr_as_input(Attributes& attrs, const std::string& name) {
  Value* v = const_i64(attrs.get_ints(name), name);
  attrs.erase(name);
  return v;
}

void ConvertContext::fail_invalid(const std::string& msg) const {
  fail(ErrorCode::kInvalidModel, node_.op_type, " '", node_.name, "' (opset ", node_.opset, "): ", msg);
}
void ConvertContext::fail_unsupported(const std::string& msg) const {
  fail(ErrorCode::kUnsupported, node_.op_type, " '", node_.name, "' (opset ", node_.opset, "): ", msg);
}

}  // namespace wisp
