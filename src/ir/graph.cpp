#include "ir/graph.hpp"

#include <algorithm>
#include <set>

#include "core/status.hpp"

namespace wisp {

std::string sym_shape_str(const SymShape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += s[i].is_static() ? std::to_string(s[i].value) : (s[i].symbol.empty() ? "?" : s[i].symbol);
  }
  return out + "]";
}

std::string Node::label() const { return str_cat(op_type, " '", name, "'"); }

std::string Graph::unique_name(const std::string& base) {
  std::string n = base.empty() ? "_v" : base;
  while (by_name_.count(n)) n = str_cat(base.empty() ? "_v" : base, "_", next_id_++);
  return n;
}

Value* Graph::add_value(const std::string& name) {
  const std::string n = name.empty() ? unique_name("") : name;
  WISP_CHECK(!by_name_.count(n), ErrorCode::kInvalidModel, "value name '", n, "' is defined twice");
  values_.push_back(std::make_unique<Value>());
  Value* v = values_.back().get();
  v->name = n;
  by_name_[n] = v;
  return v;
}

Value* Graph::find_value(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Value* Graph::add_constant(const std::string& name, Tensor t) {
  Value* v = add_value(name);
  v->dtype = t.dtype();
  SymShape s;
  for (int64_t d : t.shape()) s.push_back(SymDim{d, ""});
  v->shape = s;
  v->constant = std::make_shared<const Tensor>(std::move(t));
  return v;
}

Node* Graph::add_node(std::string op_type, std::string name, std::vector<Value*> inputs,
                      std::vector<Value*> outputs, std::string domain) {
  nodes_.push_back(std::make_unique<Node>());
  Node* n = nodes_.back().get();
  n->op_type = std::move(op_type);
  n->name = std::move(name);
  n->domain = std::move(domain);
  n->inputs = std::move(inputs);
  n->outputs = std::move(outputs);
  auto it = opset_imports.find(n->domain);
  n->opset = it == opset_imports.end() ? 0 : it->second;
  for (size_t i = 0; i < n->outputs.size(); ++i) {
    Value* v = n->outputs[i];
    if (!v) continue;
    WISP_CHECK(v->producer == nullptr && !v->is_constant(), ErrorCode::kInvalidModel, "value '",
               v->name, "' is produced twice (by ", n->label(),
               v->producer ? str_cat(" and ", v->producer->label()) : std::string(" and an initializer"), ")");
    v->producer = n;
    v->producer_output = static_cast<int>(i);
  }
  return n;
}

size_t Graph::erase_unused_values() {
  std::set<const Value*> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  for (const std::string& name : outer_refs) used.insert(find_value(name));
  for (const auto& n : nodes_) {
    used.insert(n->inputs.begin(), n->inputs.end());
    used.insert(n->outputs.begin(), n->outputs.end());
  }
  const size_t before = values_.size();
  std::erase_if(values_, [&](const std::unique_ptr<Value>& v) {
    if (used.count(v.get())) return false;
    by_name_.erase(v->name);
    return true;
  });
  return before - values_.size();
}

void Graph::sort_topologically() {
  // Kahn's algorithm, stable: among ready nodes the original order is kept, so a graph that
  // is already sorted (the usual case) comes out unchanged.
  const size_t n = nodes_.size();
  std::map<const Node*, size_t> index;
  for (size_t i = 0; i < n; ++i) index[nodes_[i].get()] = i;
  std::vector<int> pending(n, 0);
  std::vector<std::vector<size_t>> users(n);
  for (size_t i = 0; i < n; ++i) {
    for (Value* in : nodes_[i]->inputs) {
      if (!in || !in->producer) continue;
      auto it = index.find(in->producer);
      if (it == index.end()) continue;
      ++pending[i];
      users[it->second].push_back(i);
    }
  }
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    auto it = std::min_element(ready.begin(), ready.end());
    size_t i = *it;
    ready.erase(it);
    order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.push_back(u);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] > 0)
        fail(ErrorCode::kInvalidModel, "the graph has a cycle: ", nodes_[i]->label(),
             " depends on its own output (directly or through other nodes)");
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
}

}  // namespace wisp
