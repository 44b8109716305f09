#include "runtime/subgraph_runner.hpp"

#include <map>

#include "core/status.hpp"
#include "ir/implicit_inputs.hpp"

namespace wisp {

std::shared_ptr<const Graph> require_subgraph(const Node& node, const std::string& attr) {
  const Attribute* a = node.attrs.find(attr);
  WISP_CHECK(a != nullptr, ErrorCode::kInvalidModel, node.label(), ": attribute '", attr, "' (a graph) is missing");
  WISP_CHECK(a->kind == Attribute::Kind::kGraph && a->g != nullptr, ErrorCode::kInvalidModel, node.label(),
             ": attribute '", attr, "' must be a graph, got ", attribute_kind_name(a->kind));
  return a->g;
}

SubgraphRunner::SubgraphRunner(std::shared_ptr<const Graph> graph, const Node& node, const std::string& attr,
                               std::span<const TensorView* const> node_inputs)
    : graph_(std::move(graph)), where_(str_cat(attr, " of ", node.label())) {
  const int first_implicit = explicit_input_count(node);
  std::map<std::string, TensorView> fixed;
  for (const Value* in : graph_->inputs) bound_.push_back(NamedTensorView{in->name, {}});
  for (const std::string& name : graph_->outer_refs) {
    int found = -1;
    for (size_t k = static_cast<size_t>(first_implicit); k < node.inputs.size(); ++k)
      if (node.inputs[k] && node.inputs[k]->name == name) found = static_cast<int>(k);
    WISP_CHECK(found >= 0, ErrorCode::kInvalidModel, node.label(), ": its ", attr, " reads '", name,
               "' from the enclosing graph, but the node does not list it as an implicit input "
               "(build the node with append_implicit_inputs)");
    const TensorView* known = static_cast<size_t>(found) < node_inputs.size() ? node_inputs[found] : nullptr;
    if (known && known->data != nullptr) {
      fixed[name] = *known;
      continue;
    }
    outer_.push_back(OuterBinding{bound_.size(), found});
    bound_.push_back(NamedTensorView{name, {}});
  }
  session_ = Session::for_subgraph(graph_, SessionConfig{}, std::move(fixed));
}

void SubgraphRunner::bind(std::span<const TensorView* const> node_inputs, std::span<const TensorView> inputs) {
  WISP_CHECK(inputs.size() == graph_->inputs.size(), ErrorCode::kInvalidModel, "the ", where_, " has ",
             graph_->inputs.size(), " inputs but ", inputs.size(), " are given to it");
  for (size_t i = 0; i < inputs.size(); ++i) bound_[i].view = inputs[i];
  for (const OuterBinding& o : outer_) {
    WISP_CHECK(static_cast<size_t>(o.node_input) < node_inputs.size() && node_inputs[o.node_input] != nullptr,
               ErrorCode::kInternal, "the ", where_, ": implicit input ", o.node_input, " is not bound");
    bound_[o.slot].view = *node_inputs[o.node_input];
  }
}

std::vector<DType> SubgraphRunner::output_dtypes(std::span<const TensorView* const> node_inputs,
                                                 std::span<const TensorView> inputs) {
  WISP_CHECK(inputs.size() == graph_->inputs.size(), ErrorCode::kInvalidModel, "the ", where_, " has ",
             graph_->inputs.size(), " inputs but ", inputs.size(), " are given to it");
  std::map<std::string, Shape> shapes;
  std::map<std::string, DType> dtypes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    shapes[bound_[i].name] = inputs[i].shape;
    dtypes[bound_[i].name] = inputs[i].dtype;
  }
  for (const OuterBinding& o : outer_) {
    const TensorView* v = static_cast<size_t>(o.node_input) < node_inputs.size() ? node_inputs[o.node_input] : nullptr;
    WISP_CHECK(v != nullptr, ErrorCode::kInternal, "the ", where_, ": implicit input ", o.node_input, " is missing");
    shapes[bound_[o.slot].name] = v->shape;
    dtypes[bound_[o.slot].name] = v->dtype;
  }
  // A body that cannot be prepared for these shapes (an If branch written for other
  // shapes, which never runs with them) is not an error yet: its declared output types
  // are used, and the error comes if it does run.
  bool prepared = false;
  try {
    session_->prepare(shapes, dtypes);
    prepared = true;
  } catch (const Error& e) {
    for (const Value* o : graph_->outputs)
      if (o->dtype == DType::kUndefined) throw Error(e.code(), str_cat("in the ", where_, ": ", e.what()));
  }
  std::vector<DType> out;
  for (size_t i = 0; i < graph_->outputs.size(); ++i) {
    DType t = prepared ? session_->output_dtype(i) : DType::kUndefined;
    if (t == DType::kUndefined) t = graph_->outputs[i]->dtype;
    out.push_back(t);
  }
  return out;
}

void SubgraphRunner::run(std::span<const TensorView* const> node_inputs, std::span<const TensorView> inputs) {
  bind(node_inputs, inputs);
  try {
    session_->run_in_place(bound_);
  } catch (const Error& e) {
    throw Error(e.code(), str_cat("in the ", where_, ": ", e.what()));
  }
}

}  // namespace wisp
