#include "ir/dump.hpp"

#include <sstream>

namespace wisp {
namespace {

std::string type_str(const Value& v) {
  return str_cat(dtype_name(v.dtype), v.shape ? sym_shape_str(*v.shape) : std::string("[?]"));
}

template <class T>
std::string list_str(const std::vector<T>& xs, size_t max = 8) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < xs.size() && i < max; ++i) o << (i ? "," : "") << xs[i];
  if (xs.size() > max) o << ",...(" << xs.size() << ")";
  o << "]";
  return o.str();
}

std::string attr_str(const Attribute& a, int indent) {
  switch (a.kind) {
    case Attribute::Kind::kFloat: return str_cat(a.f);
    case Attribute::Kind::kInt: return str_cat(a.i);
    case Attribute::Kind::kString: return str_cat("\"", a.s, "\"");
    case Attribute::Kind::kTensor: return str_cat("tensor<", dtype_name(a.t.dtype()), a.t.shape().str(), ">");
    case Attribute::Kind::kGraph: return a.g ? str_cat("\n", dump_graph(*a.g, indent + 4)) : "graph";
    case Attribute::Kind::kFloats: return list_str(a.floats);
    case Attribute::Kind::kInts: return list_str(a.ints);
    case Attribute::Kind::kStrings: return list_str(a.strings);
    case Attribute::Kind::kTensors: return str_cat("tensors(", a.tensors.size(), ")");
    case Attribute::Kind::kGraphs: return str_cat("graphs(", a.graphs.size(), ")");
  }
  return "?";
}

}  // namespace

std::string dump_graph(const Graph& g, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::ostringstream o;
  auto opset = g.opset_imports.find("");
  o << pad << "graph " << (g.name.empty() ? "main" : g.name);
  if (opset != g.opset_imports.end()) o << " (ai.onnx opset " << opset->second << ")";
  o << "\n";
  for (const Value* v : g.inputs) o << pad << "  input  " << v->name << ": " << type_str(*v) << "\n";
  for (const auto& v : g.values())
    if (v->is_constant()) o << pad << "  const  " << v->name << ": " << type_str(*v) << "\n";
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    o << pad << "  ";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      o << (i ? ", " : "") << (n.outputs[i] ? n.outputs[i]->name + ": " + type_str(*n.outputs[i]) : std::string("_"));
    o << " = " << (n.domain.empty() ? "" : n.domain + ".") << n.op_type << " '" << n.name << "'(";
    for (size_t i = 0; i < n.inputs.size(); ++i) o << (i ? ", " : "") << (n.inputs[i] ? n.inputs[i]->name : "_");
    o << ")";
    if (n.attrs.size()) {
      o << " {";
      bool first = true;
      for (const auto& [name, a] : n.attrs.items()) {
        o << (first ? "" : ", ") << name << "=" << attr_str(a, indent);
        first = false;
      }
      o << "}";
    }
    o << "\n";
  }
  for (const Value* v : g.outputs) o << pad << "  output " << v->name << "\n";
  return o.str();
}

}  // namespace wisp
