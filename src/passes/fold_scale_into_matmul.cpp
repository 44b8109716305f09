// A scalar scale next to a matrix product with a constant weight goes into the weight:
//   Mul|Div(MatMul(a, W), c)  -> MatMul(a, W*c | W/c)
//   MatMul(Mul|Div(a, c), W)  -> MatMul(a, W*c | W/c)
// (Mul in either operand order; Div only as x / c.) This is the scale of attention
// (scores / sqrt(d)) when the exporter applies it to a projection, and of any
// "x * alpha" before/after a linear layer: one elementwise pass over the activations
// saved per run, paid once on the weights. W must be a float constant read only by
// this MatMul (a shared weight would change for its other readers), c a one-element
// constant of the same type, and the intermediate value read only inside the pattern.
// Results change only by float rounding ((a.W)c vs a.(Wc)).
// Gemm needs no weight copy: Gemm(x*c, B, C) -> alpha *= c; Gemm(A, B, C) * c -> alpha *= c
// and beta *= c. A scale after the product is not folded into a node that carries a
// fused epilogue (wisp_* attributes): act(y) * c is not act(y * c).
#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

// For a Mul or Div node: the scale c (x*c, c*x or x/c; as a multiplier) and x, or nullopt.
std::optional<std::pair<Value*, double>> scaled_operand(const Node& n) {
  if (!n.domain.empty() || n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) return std::nullopt;
  if (n.op_type == "Mul") {
    for (size_t side = 0; side < 2; ++side)
      if (const std::optional<double> c = scalar_constant(n.inputs[side]); c && !constant_of(n.inputs[1 - side]))
        return std::make_pair(n.inputs[1 - side], *c);
  } else if (n.op_type == "Div") {
    if (const std::optional<double> c = scalar_constant(n.inputs[1]); c && *c != 0) return std::make_pair(n.inputs[0], 1.0 / *c);
  }
  return std::nullopt;
}

// Replaces the MatMul's weight (input 1) by a scaled copy. Only float32/float64.
bool scale_weight(Graph& g, Node& mm, const UseMap& uses, double c, const Node& scale_node) {
  const Tensor* w = constant_of(mm.inputs[1]);
  if (!w || uses.uses(mm.inputs[1]).size() != 1 || uses.is_graph_output(mm.inputs[1])) return false;
  if (w->dtype() != DType::kF32 && w->dtype() != DType::kF64) return false;
  const Tensor* ct = constant_of(scale_node.inputs[0]) ? constant_of(scale_node.inputs[0]) : constant_of(scale_node.inputs[1]);
  if (!ct || ct->dtype() != w->dtype()) return false;
  Tensor scaled(w->dtype(), w->shape());
  // Div by c is done as a division (not * 1/c) so x/c and W/c round the same way.
  const bool divide = scale_node.op_type == "Div";
  const double k = divide ? *scalar_constant(scale_node.inputs[1]) : c;
  for (int64_t i = 0; i < w->numel(); ++i) {
    if (w->dtype() == DType::kF32) {
      const float v = w->as<float>()[i], kf = static_cast<float>(k);
      scaled.as<float>()[i] = divide ? v / kf : v * kf;
    } else {
      const double v = w->as<double>()[i];
      scaled.as<double>()[i] = divide ? v / k : v * k;
    }
  }
  mm.inputs[1] = g.add_constant(g.unique_name(mm.inputs[1]->name + "_scaled"), std::move(scaled));
  return true;
}

bool has_fused_epilogue(const Node& n) {
  for (const auto& [name, attr] : n.attrs.items())
    if (name.starts_with("wisp_")) return true;
  return false;
}

// The scale as a float constant multiplier, for Gemm's alpha/beta.
std::optional<std::pair<Value*, double>> float_scale(const Node& n) {
  const auto s = scaled_operand(n);
  if (!s) return std::nullopt;
  for (const Value* in : n.inputs)
    if (const Tensor* c = constant_of(in); c && !dtype_is_float(c->dtype())) return std::nullopt;
  return s;
}

bool fold_into_gemm(Graph& g, Node& gemm, const UseMap& uses) {
  for (size_t i = 0; i < 2; ++i) {  // before: alpha * op(A x c) op(B) = (alpha c) op(A) op(B)
    Node* pre = gemm.inputs[i]->producer;
    if (!pre || !uses.single_use(gemm.inputs[i])) continue;
    const auto s = float_scale(*pre);
    if (!s) continue;
    gemm.attrs.set_float("alpha", static_cast<float>(gemm.attrs.get_float("alpha", 1.0f) * s->second));
    gemm.inputs[i] = s->first;
    remove_nodes(g, {pre});
    return true;
  }
  Node* post = only_reader(uses, gemm.outputs[0]);
  if (!post || has_fused_epilogue(gemm) || !uses.uses_replaceable(gemm.outputs[0])) return false;
  const auto s = float_scale(*post);
  if (!s || s->first != gemm.outputs[0]) return false;
  gemm.attrs.set_float("alpha", static_cast<float>(gemm.attrs.get_float("alpha", 1.0f) * s->second));
  if (gemm.has_input(2)) gemm.attrs.set_float("beta", static_cast<float>(gemm.attrs.get_float("beta", 1.0f) * s->second));
  take_over_output(gemm, 0, post->outputs[0]);
  remove_nodes(g, {post});
  return true;
}

bool fold_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& n = *np;
    if (n.op_type == "Gemm" && n.domain.empty() && n.inputs.size() >= 2 && n.has_input(0) && n.has_input(1) &&
        n.has_output(0) && fold_into_gemm(g, n, uses))
      return true;
    if (n.op_type != "MatMul" || !n.domain.empty() || n.inputs.size() != 2 || !n.has_input(0) || !n.has_output(0)) continue;
    if (!constant_of(n.inputs[1])) continue;
    // Scale before: MatMul(x*c, W).
    if (Node* pre = n.inputs[0]->producer; pre && uses.single_use(n.inputs[0])) {
      if (const auto s = scaled_operand(*pre); s && scale_weight(g, n, uses, s->second, *pre)) {
        n.inputs[0] = s->first;
        remove_nodes(g, {pre});
        return true;
      }
    }
    // Scale after: MatMul(x, W) * c.
    Node* post = only_reader(uses, n.outputs[0]);
    if (!post || has_fused_epilogue(n) || !uses.uses_replaceable(n.outputs[0])) continue;
    const auto s = scaled_operand(*post);
    if (!s || s->first != n.outputs[0] || !scale_weight(g, n, uses, s->second, *post)) continue;
    take_over_output(n, 0, post->outputs[0]);
    remove_nodes(g, {post});
    return true;
  }
  return false;
}

}  // namespace

bool fold_scale_into_matmul(Graph& g) {
  bool changed = false;
  while (fold_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
