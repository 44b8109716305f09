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
  // Before the output check: Y (output 0) is optional for recurrent ops.
  if (op == "LSTM" || op == "GRU" || op == "RNN") {
    // Per time step and batch row, every gate multiplies W (input weights) and R
    // (recurrent weights) once: numel(W) + numel(R) MACs, all directions included.
    const Shape *x = shape_of(0, false), *w = shape_of(1, false), *r = shape_of(2, false);
    if (!x || !w || !r || x->rank() != 3) return 0;
    const int64_t seq_batch = checked_mul((*x)[0], (*x)[1]);  // [seq, batch] or [batch, seq] (layout=1)
    return checked_mul(seq_batch, checked_add(w->numel(), r->numel()));
  }
  const Shape* y = shape_of(0, true);
  if (!y) return 0;
  // The NHWC convs of the layout pass (com.wisp) cost what the Conv they replace did.
  const bool nhwc_conv = node.domain == "com.wisp" && (op == "NhwcConv" || op == "NhwcDepthwiseConv");
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || op == "ConvTranspose" || nhwc_conv) {
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
