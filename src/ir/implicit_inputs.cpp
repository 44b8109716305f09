#include "ir/implicit_inputs.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace wisp {

void append_implicit_inputs(Graph& graph, Node& node) {
  const int explicit_count = explicit_input_count(node);
  node.inputs.resize(static_cast<size_t>(explicit_count));
  std::vector<std::string> names;
  for (const auto& [attr_name, attr] : node.attrs.items()) {
    std::vector<const Graph*> subgraphs;
    if (attr.kind == Attribute::Kind::kGraph && attr.g) subgraphs.push_back(attr.g.get());
    if (attr.kind == Attribute::Kind::kGraphs)
      for (const auto& g : attr.graphs) subgraphs.push_back(g.get());
    for (const Graph* g : subgraphs)
      for (const std::string& name : g->outer_refs)
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  for (const std::string& name : names) {
    Value* v = graph.find_value(name);
    WISP_CHECK(v != nullptr, ErrorCode::kInvalidModel, node.label(), ": a subgraph reads '", name,
               "', which is not defined in the enclosing graph");
    node.inputs.push_back(v);
  }
  node.attrs.set_int(kExplicitInputsAttr, explicit_count);
}

int explicit_input_count(const Node& node) {
  const int all = static_cast<int>(node.inputs.size());
  const int64_t n = node.attrs.get_int(kExplicitInputsAttr, all);
  WISP_CHECK(n >= 0 && n <= all, ErrorCode::kInvalidModel, node.label(), ": attribute ", kExplicitInputsAttr, " = ",
             n, " is out of range (the node has ", all, " inputs)");
  return static_cast<int>(n);
}

}  // namespace wisp
