// Constant nodes -> constant values: a Constant node's output becomes an initializer-like
// value holding the tensor, so the other passes see it through constant_of() (exported
// PyTorch models give Clip its bounds and Reshape its shape this way). The session would
// fold these nodes at prepare anyway; this makes them visible to rewrites before that.
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

template <class T>
Tensor vector_tensor(const std::vector<T>& v, bool scalar) {
  Tensor t(dtype_of<T>(), scalar ? Shape{} : Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.as<T>()[i] = v[i];
  return t;
}

// The node's tensor for the attribute forms the Constant op supports; nullopt otherwise.
std::optional<Tensor> constant_value(const Node& n) {
  const Attributes& at = n.attrs;
  if (at.size() != 1) return std::nullopt;
  if (at.has("value")) return at.require_tensor("value");
  if (at.has("value_float")) return vector_tensor(std::vector<float>{at.get_float("value_float", 0)}, true);
  if (at.has("value_floats")) return vector_tensor(at.get_floats("value_floats"), false);
  if (at.has("value_int")) return vector_tensor(std::vector<int64_t>{at.get_int("value_int", 0)}, true);
  if (at.has("value_ints")) return vector_tensor(at.get_ints("value_ints"), false);
  return std::nullopt;
}

}  // namespace

bool constant_nodes_to_values(Graph& g) {
  const UseMap uses(g);
  std::vector<const Node*> done;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    if (n.op_type != "Constant" || !n.domain.empty() || n.outputs.size() != 1 || !n.has_output(0)) continue;
    Value* v = n.outputs[0];
    if (uses.is_graph_output(v)) continue;  // the session returns outputs from node slots
    std::optional<Tensor> t = constant_value(n);
    if (!t || t->empty() || dtype_size(t->dtype()) <= 0) continue;
    v->dtype = t->dtype();
    SymShape s;
    for (int64_t d : t->shape()) s.push_back(SymDim{d, ""});
    v->shape = s;
    v->constant = std::make_shared<const Tensor>(std::move(*t));
    v->producer = nullptr;
    v->producer_output = -1;
    done.push_back(&n);
  }
  remove_nodes(g, done);
  return !done.empty();
}

}  // namespace wisp::passes
