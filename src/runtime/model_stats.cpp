#include "runtime/model_stats.hpp"

namespace wisp {

int64_t node_macs(const Node& node, const Session& session) {
  auto shape_of = [&](size_t i, bool output) -> const Shape* {
    const auto& list = output ? node.outputs : node.inputs;
    if (i >= list.size() || !list[i]) return nullptr;
    const TensorView* v = session.prepared_value(list[i]);
    return v ? &v->shape : nullptr;
  };
  const std::string& op = node.op_type;
  const Shape* y = shape_of(0, true);
  if (!y) return 0;
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || op == "ConvTranspose") {
    const Shape* w = shape_of(op == "QLinearConv" ? 3 : 1, false);
    if (!w || w->rank() < 2) return 0;
    // Each output element (Conv) or input element (ConvTranspose) costs one weight slice.
    const int64_t per = w->numel(1, w->rank());
    if (op == "ConvTranspose") {
      const Shape* x = shape_of(0, false);
      return x ? checked_mul(x->numel(), w->numel(1, w->rank())) : 0;
    }
    return checked_mul(y->numel(), per);
  }
  if (op == "Gemm" || op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") {
    const Shape* a = shape_of(0, false);
    if (!a || a->rank() == 0) return 0;
    int64_t k = (*a)[a->rank() - 1];
    if (op == "Gemm" && node.attrs.get_int("transA", 0)) k = (*a)[0];
    return checked_mul(y->numel(), k);
  }
  return 0;
}

ModelStats compute_model_stats(const Model& model, const Session* prepared) {
  ModelStats s;
  for (const auto& n : model.graph.nodes()) ++s.op_histogram[n->op_type];
  for (const auto& v : model.graph.values()) {
    if (!v->is_constant()) continue;
    s.parameters += v->constant->numel();
    s.initializer_bytes += v->constant->bytes();
  }
  if (prepared)
    for (const Node* n : prepared->steps()) s.macs = checked_add(s.macs, node_macs(*n, *prepared));
  return s;
}

}  // namespace wisp
