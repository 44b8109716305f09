#include "passes/rewrite_util.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "ir/implicit_inputs.hpp"

namespace wisp::passes {

UseMap::UseMap(const Graph& g) : outputs_(g.outputs.begin(), g.outputs.end()) {
  for (const auto& n : g.nodes())
    for (size_t i = 0; i < n->inputs.size(); ++i)
      if (n->inputs[i]) uses_[n->inputs[i]].push_back(Use{n.get(), i});
}

const std::vector<Use>& UseMap::uses(const Value* v) const {
  static const std::vector<Use> kNone;
  auto it = uses_.find(v);
  return it == uses_.end() ? kNone : it->second;
}

bool UseMap::is_graph_output(const Value* v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

bool UseMap::uses_replaceable(const Value* v) const {
  for (const Use& u : uses(v))
    if (static_cast<int>(u.input) >= explicit_input_count(*u.node)) return false;
  return true;
}

void replace_uses(const UseMap& uses, const Value* from, Value* to) {
  for (const Use& u : uses.uses(from)) u.node->inputs[u.input] = to;
}

void take_over_output(Node& node, size_t i, Value* v) {
  if (Value* old = node.outputs[i]) {
    old->producer = nullptr;
    old->producer_output = -1;
  }
  node.outputs[i] = v;
  v->producer = &node;
  v->producer_output = static_cast<int>(i);
}

void remove_nodes(Graph& g, const std::vector<const Node*>& dead) {
  if (dead.empty()) return;
  const std::set<const Node*> set(dead.begin(), dead.end());
  for (const Node* n : dead)
    for (Value* v : n->outputs)
      if (v && v->producer == n) {
        v->producer = nullptr;
        v->producer_output = -1;
      }
  g.remove_nodes_if([&](const Node& n) { return set.count(&n) > 0; });
  g.erase_unused_values();
}

DType known_dtype(const Value* v) {
  if (!v) return DType::kUndefined;
  if (v->constant) return v->constant->dtype();
  return v->dtype;
}

const Tensor* constant_of(const Value* v) { return v && v->constant ? v->constant.get() : nullptr; }

std::optional<double> scalar_constant(const Value* v) {
  const Tensor* t = constant_of(v);
  if (!t || t->numel() != 1 || t->shape().rank() > 1) return std::nullopt;
  return t->scalar_as_double(0);
}

std::optional<std::vector<int64_t>> ints_constant(const Value* v) {
  const Tensor* t = constant_of(v);
  if (!t || t->dtype() != DType::kI64 || t->shape().rank() != 1) return std::nullopt;
  return std::vector<int64_t>(t->as<int64_t>(), t->as<int64_t>() + t->numel());
}

// Output element at index o reads input element sum_d o_d * in_stride[perm[d]].
Tensor permuted_tensor(const Tensor& in, const std::vector<int64_t>& perm) {
  const Shape& s = in.shape();
  const int rank = s.rank();
  Shape out_shape = s;
  std::vector<int64_t> in_stride(static_cast<size_t>(rank), 1), stride(static_cast<size_t>(rank));
  for (int d = rank - 2; d >= 0; --d) in_stride[size_t(d)] = in_stride[size_t(d + 1)] * s[d + 1];
  for (int d = 0; d < rank; ++d) {
    out_shape[d] = s[static_cast<int>(perm[size_t(d)])];
    stride[size_t(d)] = in_stride[size_t(perm[size_t(d)])];
  }
  Tensor out(in.dtype(), out_shape);
  const int64_t esize = dtype_size(in.dtype());
  const auto* src = static_cast<const unsigned char*>(in.data());
  auto* dst = static_cast<unsigned char*>(out.data());
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t off = 0;
    for (int d = 0; d < rank; ++d) off += idx[size_t(d)] * stride[size_t(d)];
    std::memcpy(dst + o * esize, src + off * esize, static_cast<size_t>(esize));
    for (int d = rank - 1; d >= 0 && ++idx[size_t(d)] == out_shape[d]; --d) idx[size_t(d)] = 0;
  }
  return out;
}

}  // namespace wisp::passes
