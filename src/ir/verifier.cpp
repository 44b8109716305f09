#include "ir/verifier.hpp"

#include <set>

#include "core/status.hpp"
#include "ir/op_registry.hpp"

namespace wisp {
namespace {

void verify(const Graph& g, const std::set<const Value*>& outer) {
  std::set<const Value*> defined(outer.begin(), outer.end());
  for (const Value* v : g.inputs) {
    WISP_CHECK(v != nullptr, ErrorCode::kInvalidModel, "graph '", g.name, "' has a null input");
    defined.insert(v);
  }
  for (const auto& v : g.values())
    if (v->is_constant()) defined.insert(v.get());
  for (const std::string& name : g.outer_refs)
    if (const Value* v = g.find_value(name)) defined.insert(v);
  std::set<std::string> node_names;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    WISP_CHECK(node_names.insert(n.name).second, ErrorCode::kInvalidModel, "two nodes are named '", n.name, "'");
    const OpSchema* schema = find_op_schema(n.domain, n.op_type);
    WISP_CHECK(schema != nullptr, ErrorCode::kUnsupported, n.label(), ": op ", n.domain.empty() ? "" : n.domain + ".",
               n.op_type, " is not supported");
    const int ins = static_cast<int>(n.inputs.size()), outs = static_cast<int>(n.outputs.size());
    WISP_CHECK(ins >= schema->min_inputs && ins <= schema->max_inputs, ErrorCode::kInvalidModel, n.label(), " has ", ins,
               " inputs; the op takes ", schema->min_inputs, " to ", schema->max_inputs);
    WISP_CHECK(outs >= schema->min_outputs && outs <= schema->max_outputs, ErrorCode::kInvalidModel, n.label(), " has ",
               outs, " outputs; the op takes ", schema->min_outputs, " to ", schema->max_outputs);
    for (const Value* in : n.inputs)
      WISP_CHECK(!in || defined.count(in), ErrorCode::kInvalidModel, n.label(), ": input '", in->name,
                 "' is not defined before this node (not a graph input, initializer or earlier output)");
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      const Value* out = n.outputs[i];
      if (!out) continue;
      WISP_CHECK(out->producer == &n && out->producer_output == static_cast<int>(i), ErrorCode::kInvalidModel,
                 n.label(), ": output '", out->name, "' is also produced elsewhere");
      WISP_CHECK(defined.insert(out).second, ErrorCode::kInvalidModel, n.label(), ": output '", out->name,
                 "' is already defined");
    }
    for (const auto& [name, attr] : n.attrs.items()) {
      if (attr.g) verify(*attr.g, defined);
      for (const auto& sub : attr.graphs)
        if (sub) verify(*sub, defined);
    }
  }
  for (const Value* v : g.outputs)
    WISP_CHECK(v && defined.count(v), ErrorCode::kInvalidModel, "graph output '", v ? v->name : std::string("?"),
               "' is never produced");
}

}  // namespace

void verify_graph(const Graph& graph) { verify(graph, {}); }

}  // namespace wisp
