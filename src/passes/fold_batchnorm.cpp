// BatchNormalization folding: y = s * (conv(x) - mean) + b with s = scale / sqrt(var + eps)
// is the same conv with weights scaled per output channel and a new bias:
//   W'[m, ...] = s[m] * W[m, ...]          b'[m] = s[m] * (bias[m] - mean[m]) + B[m]
// For Gemm (BN over the column axis of a 2-D output), the columns of B' are scaled instead
// and C becomes the per-column bias above (with beta folded in: beta' = 1).
// Conditions: all weights and statistics are float32 constants, the Conv/Gemm output is
// read only by the BatchNormalization, BN's statistics outputs (old opsets) are unread.
// The maths is done in double, then rounded once to float.
#include <cmath>

#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

const Tensor* f32_constant(const Value* v, int64_t numel) {
  const Tensor* t = constant_of(v);
  return t && t->dtype() == DType::kF32 && t->numel() == numel ? t : nullptr;
}

// Per-channel multiplier and offset of the BatchNormalization, or empty if it cannot fold.
struct Affine {
  std::vector<double> scale, shift;  // y = scale * x + shift
};

std::optional<Affine> batchnorm_affine(const Node& bn, const UseMap& uses, int64_t channels) {
  if (bn.attrs.get_int("training_mode", 0) != 0) return std::nullopt;
  if (bn.opset < 9 && bn.attrs.get_int("spatial", 1) == 0) return std::nullopt;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (bn.outputs[i] && (!uses.uses(bn.outputs[i]).empty() || uses.is_graph_output(bn.outputs[i]))) return std::nullopt;
  const Tensor* t[4];
  for (int i = 0; i < 4; ++i)
    if (!(t[i] = f32_constant(bn.inputs[static_cast<size_t>(i) + 1], channels))) return std::nullopt;
  const double eps = bn.attrs.get_float("epsilon", 1e-5f);
  Affine a;
  for (int64_t c = 0; c < channels; ++c) {
    const double s = t[0]->as<float>()[c] / std::sqrt(double(t[3]->as<float>()[c]) + eps);
    a.scale.push_back(s);
    a.shift.push_back(t[1]->as<float>()[c] - s * t[2]->as<float>()[c]);
  }
  return a;
}

// New bias b'[m] = scale[m] * old[m] + shift[m] (old = 0 when absent).
Tensor folded_bias(const Affine& a, const std::vector<double>& old) {
  Tensor b(DType::kF32, Shape{static_cast<int64_t>(a.scale.size())});
  for (size_t m = 0; m < a.scale.size(); ++m)
    b.as<float>()[m] = static_cast<float>(a.scale[m] * (old.empty() ? 0.0 : old[m]) + a.shift[m]);
  return b;
}

bool fold_into_conv(Graph& g, Node& conv, Node& bn, const UseMap& uses) {
  const Tensor* w = constant_of(conv.inputs[1]);
  if (!w || w->dtype() != DType::kF32 || w->shape().rank() < 3) return false;
  const int64_t m = w->shape()[0], per = w->numel() / m;
  const Tensor* bias = conv.has_input(2) ? f32_constant(conv.inputs[2], m) : nullptr;
  if (conv.has_input(2) && !bias) return false;
  const std::optional<Affine> a = batchnorm_affine(bn, uses, m);
  if (!a) return false;
  Tensor nw(DType::kF32, w->shape());
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < per; ++i)
      nw.as<float>()[o * per + i] = static_cast<float>(a->scale[o] * w->as<float>()[o * per + i]);
  std::vector<double> old;
  if (bias) old.assign(bias->as<float>(), bias->as<float>() + m);
  conv.inputs.resize(3);
  conv.inputs[1] = g.add_constant(g.unique_name(conv.name + "_W_bn"), std::move(nw));
  conv.inputs[2] = g.add_constant(g.unique_name(conv.name + "_B_bn"), folded_bias(*a, old));
  return true;
}

bool fold_into_gemm(Graph& g, Node& gemm, Node& bn, const UseMap& uses) {
  const Tensor* b = constant_of(gemm.inputs[1]);
  if (!b || b->dtype() != DType::kF32 || b->shape().rank() != 2) return false;
  const bool trans_b = gemm.attrs.get_int("transB", 0) != 0;
  const int64_t n = trans_b ? b->shape()[0] : b->shape()[1], k = trans_b ? b->shape()[1] : b->shape()[0];
  std::vector<double> old;
  if (gemm.has_input(2)) {  // only a C that is one row (scalar, [N], [1, N]) becomes a bias
    const Tensor* c = constant_of(gemm.inputs[2]);
    if (!c || c->dtype() != DType::kF32 || c->shape().rank() > 2) return false;
    if (c->shape().rank() == 2 && c->shape()[0] != 1) return false;
    if (c->numel() != 1 && c->numel() != n) return false;
    const double beta = gemm.attrs.get_float("beta", 1.0f);
    for (int64_t j = 0; j < n; ++j) old.push_back(beta * c->as<float>()[c->numel() == 1 ? 0 : j]);
  }
  const std::optional<Affine> a = batchnorm_affine(bn, uses, n);
  if (!a) return false;
  Tensor nb(DType::kF32, b->shape());
  for (int64_t r = 0; r < k; ++r)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = trans_b ? j * k + r : r * n + j;
      nb.as<float>()[i] = static_cast<float>(a->scale[j] * b->as<float>()[i]);
    }
  gemm.inputs.resize(3);
  gemm.inputs[1] = g.add_constant(g.unique_name(gemm.name + "_B_bn"), std::move(nb));
  gemm.inputs[2] = g.add_constant(g.unique_name(gemm.name + "_C_bn"), folded_bias(*a, old));
  gemm.attrs.set_float("beta", 1.0f);
  return true;
}

bool fold_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& bn = *np;
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || !bn.has_input(0) || !bn.has_output(0)) continue;
    Node* p = bn.inputs[0]->producer;
    if (!p || !p->domain.empty() || !uses.single_use(bn.inputs[0]) || !p->has_input(1)) continue;
    if (p->attrs.has("wisp_activation")) continue;  // an activation sits between them
    const bool done = (p->op_type == "Conv" && fold_into_conv(g, *p, bn, uses)) ||
                      (p->op_type == "Gemm" && fold_into_gemm(g, *p, bn, uses));
    if (!done) continue;
    take_over_output(*p, 0, bn.outputs[0]);
    remove_nodes(g, {&bn});
    return true;
  }
  return false;
}

}  // namespace

bool fold_batchnorm(Graph& g) {
  bool changed = false;
  while (fold_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
