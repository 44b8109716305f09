#include "ir/graph_clone.hpp"

#include <map>

#include "core/status.hpp"

namespace wisp {

void clone_graph_into(const Graph& src, Graph& dst) {
  WISP_CHECK(dst.nodes().empty() && dst.values().empty(), ErrorCode::kInternal,
             "clone_graph_into: the destination graph is not empty");
  dst.name = src.name;
  dst.opset_imports = src.opset_imports;
  dst.outer_refs = src.outer_refs;
  std::map<const Value*, Value*> map;
  map[nullptr] = nullptr;
  for (const auto& v : src.values()) {
    Value* c = dst.add_value(v->name);
    c->dtype = v->dtype;
    c->shape = v->shape;
    c->constant = v->constant;
    map[v.get()] = c;
  }
  auto mapped = [&](const std::vector<Value*>& list) {
    std::vector<Value*> out;
    out.reserve(list.size());
    for (const Value* v : list) out.push_back(map.at(v));
    return out;
  };
  for (const auto& n : src.nodes()) {
    Node* c = dst.add_node(n->op_type, n->name, mapped(n->inputs), mapped(n->outputs), n->domain);
    c->opset = n->opset;
    c->attrs = n->attrs;
  }
  dst.inputs = mapped(src.inputs);
  dst.outputs = mapped(src.outputs);
}

std::shared_ptr<Model> clone_model(const Model& src) {
  auto m = std::make_shared<Model>();
  clone_graph_into(src.graph, m->graph);
  m->info = src.info;
  return m;
}

}  // namespace wisp
