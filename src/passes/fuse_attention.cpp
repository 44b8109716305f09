// Scaled dot-product attention -> one Attention node (com.wisp, ir/ops/attention.cpp):
//
//   MatMul(Softmax(MatMul(Q', Kt) [* c | / c] [+ mask], axis -1), V)
//     -> Attention(Q, K^T or K, V, [mask], scale = product of the absorbed scales)
//
// Forms matched (torch 1.13 exports of nn.MultiheadAttention and of a hand-written
// softmax(Q K^T / sqrt(d) [+ mask]) V):
//   - the scale as Mul/Div by a scalar constant of the scores, or of Q or K^T before the
//     product (nn.MultiheadAttention divides Q), or none; several multiply together;
//   - the mask as an Add of the scaled scores in either operand order (a Mul of the mask by
//     exactly 1, as baddbmm exports it, is dropped);
//   - K^T as Transpose(K) swapping the last two axes: the node reads K (k_transposed = 0);
//   - the head Transposes: Q, K^T and V made by a Transpose (the zoo model's
//     Transpose(Reshape(q), [1, 0, 2]) and Transpose(Reshape(k), [1, 2, 0])) are read
//     through its permutation (q_perm, k_perm, v_perm), and a Transpose as the only reader
//     of the result is written through (y_perm): the copies go. Q, V and Y only when the
//     permutation keeps the last axis last (the GEMMs read and write rows in place).
// Conditions: every intermediate (scores, scaled, masked, probabilities, absorbed scale
// and Transpose outputs, the product before a written-through Transpose) read only inside
// the pattern; Q, K^T and V float32 with a
// known rank >= 2 (declared, or from a producing Transpose/Reshape, through scalar
// scales), so the op's shape rule (MatMul's, twice) is the graph's; the Softmax on the
// last axis (-1, or rank - 1 when the scores' rank is known). The final MatMul becomes the
// Attention node (it comes after every input in node order); the others are removed.
// Results change only by float rounding (the scale is applied to the scores as one
// multiplier; the kernels sum in their own order).
#include <algorithm>
#include <cmath>

#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

// The scalar multiplier of a Mul (either order) / Div (x / c) by a float one-element
// constant, and the other operand; nullopt otherwise.
std::optional<std::pair<Value*, double>> scaled_operand(const Node& n) {
  if (!n.domain.empty() || n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) return std::nullopt;
  auto float_scalar = [](const Value* v) -> std::optional<double> {
    const Tensor* t = constant_of(v);
    if (!t || t->dtype() != DType::kF32) return std::nullopt;
    return scalar_constant(v);
  };
  if (n.op_type == "Mul") {
    for (size_t side = 0; side < 2; ++side)
      if (const auto c = float_scalar(n.inputs[side]); c && !constant_of(n.inputs[1 - side]))
        return std::make_pair(n.inputs[1 - side], *c);
  } else if (n.op_type == "Div") {
    if (const auto c = float_scalar(n.inputs[1]); c && *c != 0 && std::isfinite(1.0 / *c))
      return std::make_pair(n.inputs[0], 1.0 / *c);
  }
  return std::nullopt;
}

// Strips scalar scales off v (each read only here), multiplying them into `scale`.
Value* strip_scales(Value* v, const UseMap& uses, double& scale, std::vector<const Node*>& dead) {
  while (v && v->producer && uses.single_use(v)) {
    const auto s = scaled_operand(*v->producer);
    if (!s) break;
    dead.push_back(v->producer);
    scale *= s->second;
    v = s->first;
  }
  return v;
}

// The rank of v when the graph tells it: declared shape, constant, a Transpose's perm, a
// Reshape to a constant shape, or the tensor operand of a scalar scale.
int known_rank(const Value* v, int depth = 0) {
  if (!v || depth > 8) return -1;
  if (v->shape) return static_cast<int>(v->shape->size());
  if (const Tensor* t = constant_of(v)) return t->shape().rank();
  const Node* n = v->producer;
  if (!n || !n->domain.empty()) return -1;
  if (n->op_type == "Transpose" && n->attrs.has("perm")) return static_cast<int>(n->attrs.get_ints("perm").size());
  if (n->op_type == "Reshape" && n->inputs.size() >= 2)
    if (const auto s = ints_constant(n->inputs[1])) return static_cast<int>(s->size());
  if (const auto s = scaled_operand(*n)) return known_rank(s->first, depth + 1);
  return -1;
}

// v's element type: declared or a constant's, else traced back through ops whose output
// has their first input's type (imported graphs rarely declare intermediate types).
DType traced_dtype(const Value* v, int depth = 0) {
  const DType t = known_dtype(v);
  if (t != DType::kUndefined || !v || !v->producer || depth > 16) return t;
  static const char* const kSameType[] = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Slice", "Split",
                                          "Gather", "Concat", "Add", "Sub", "Mul", "Div", "MatMul", "Gemm",
                                          "Softmax", "Relu", "Identity", "LayerNormalization"};
  const Node& n = *v->producer;
  if (!n.domain.empty() || !n.has_input(0)) return t;
  for (const char* op : kSameType)
    if (n.op_type == op) return traced_dtype(n.inputs[0], depth + 1);
  return t;
}

bool is_f32(const Value* v) { return traced_dtype(v) == DType::kF32; }

// A Transpose's permutation when `v` is its output, read only here; else empty.
std::vector<int64_t> absorbable_perm(const Value* v, const UseMap& uses) {
  Node* t = made_by(v, "Transpose");
  if (!t || !t->has_input(0) || !uses.single_use(v) || !t->attrs.has("perm")) return {};
  std::vector<int64_t> perm = t->attrs.get_ints("perm");
  return perm.size() >= 2 ? perm : std::vector<int64_t>{};
}

bool keeps_last_axis(const std::vector<int64_t>& perm) {
  return !perm.empty() && perm.back() == static_cast<int64_t>(perm.size()) - 1;
}

bool swaps_last_two_only(const std::vector<int64_t>& perm) {
  const int64_t r = static_cast<int64_t>(perm.size());
  if (r < 2 || perm[r - 2] != r - 1 || perm[r - 1] != r - 2) return false;
  for (int64_t i = 0; i < r - 2; ++i)
    if (perm[i] != i) return false;
  return true;
}

struct Match {
  Value *q = nullptr, *k = nullptr, *v = nullptr, *mask = nullptr;
  bool k_transposed = true;
  double scale = 1.0;
  std::vector<int64_t> q_perm, k_perm, v_perm;  // empty: read as given
  int scores_rank = -1;                          // of MatMul(Q, K^T): the larger operand rank
  std::vector<const Node*> dead;
};

// Reads `v` through its producing Transpose instead (perm into `perm`) when that is allowed.
Value* through_transpose(Value* v, const UseMap& uses, bool need_last_axis, std::vector<int64_t>& perm,
                         std::vector<const Node*>& dead) {
  std::vector<int64_t> p = absorbable_perm(v, uses);
  if (p.empty() || (need_last_axis && !keeps_last_axis(p))) return v;
  dead.push_back(v->producer);
  perm = std::move(p);
  return v->producer->inputs[0];
}

// The scores side of the pattern, from the Softmax input back to MatMul(Q, K^T).
bool match_scores(Value* x, const UseMap& uses, Match& m) {
  Value* s = strip_scales(x, uses, m.scale, m.dead);
  Node* mm = made_by(s, "MatMul");
  if (!mm || mm->inputs.size() != 2 || !mm->has_input(0) || !mm->has_input(1) || !uses.single_use(s)) return false;
  m.dead.push_back(mm);
  Value* q = strip_scales(mm->inputs[0], uses, m.scale, m.dead);
  Value* kt = strip_scales(mm->inputs[1], uses, m.scale, m.dead);
  if (known_rank(q) < 2 || known_rank(kt) < 2) return false;
  m.scores_rank = std::max(known_rank(q), known_rank(kt));
  // Q through a head Transpose that keeps D contiguous (the GEMM reads Q's rows in place).
  m.q = through_transpose(q, uses, true, m.q_perm, m.dead);
  // K^T = Transpose(K, swap of the last two): K itself; any other Transpose: its input
  // through the permutation (packing reads any strides).
  m.k = through_transpose(kt, uses, false, m.k_perm, m.dead);
  if (swaps_last_two_only(m.k_perm)) {
    m.k_perm.clear();
    m.k_transposed = false;
  }
  return is_f32(m.q) && is_f32(m.k);
}

bool match(Node& out_mm, const UseMap& uses, Match& m) {
  if (out_mm.op_type != "MatMul" || !out_mm.domain.empty() || out_mm.inputs.size() != 2 || !out_mm.has_input(0) ||
      !out_mm.has_input(1) || !out_mm.has_output(0))
    return false;
  Value* probs = out_mm.inputs[0];
  Node* sm = made_by(probs, "Softmax");
  if (!sm || !sm->has_input(0) || !uses.single_use(probs)) return false;
  m.v = out_mm.inputs[1];
  if (known_rank(m.v) < 2) return false;
  m.v = through_transpose(m.v, uses, true, m.v_perm, m.dead);
  if (!is_f32(m.v)) return false;
  m.dead.push_back(sm);
  Value* x = sm->inputs[0];
  if (!uses.single_use(x)) return false;
  bool ok = false;
  if (Node* add = made_by(x, "Add"); add && add->inputs.size() == 2 && add->has_input(0) && add->has_input(1)) {
    for (size_t side = 0; side < 2 && !ok; ++side) {
      Match tried = m;
      tried.dead.push_back(add);
      if (match_scores(add->inputs[side], uses, tried)) {
        tried.mask = add->inputs[1 - side];
        m = std::move(tried);
        ok = true;
      }
    }
  } else {
    ok = match_scores(x, uses, m);
  }
  if (!ok) return false;
  // baddbmm's export multiplies the mask by beta = 1: exact, so the Mul goes.
  if (Node* one = m.mask ? made_by(m.mask, "Mul") : nullptr; one && uses.single_use(m.mask)) {
    if (Value* unscaled = operand_beside_scalar(*one, 1.0, 0.0)) {
      m.mask = unscaled;
      m.dead.push_back(one);
    }
  }
  const int64_t axis = sm->attrs.get_int("axis", -1);
  if (axis != -1) {  // the scores' rank: MatMul broadcasts Q's and K^T's, the Add the mask's
    const int mask_rank = m.mask ? known_rank(m.mask) : 0;
    const int rank = std::max(m.scores_rank, mask_rank);
    if (mask_rank < 0 || axis != rank - 1) return false;
  }
  return std::isfinite(m.scale);
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& n = *np;
    Match m;
    if (!match(n, uses, m)) continue;
    n.op_type = "Attention";
    n.domain = "com.wisp";
    n.inputs = {m.q, m.k, m.v};
    if (m.mask) n.inputs.push_back(m.mask);
    n.attrs = Attributes{};
    if (m.scale != 1.0) n.attrs.set_float("scale", static_cast<float>(m.scale));
    if (!m.k_transposed) n.attrs.set_int("k_transposed", 0);
    auto set_perm = [&](const char* name, std::vector<int64_t>& perm) {
      if (!perm.empty()) n.attrs.set_ints(name, std::move(perm));
    };
    set_perm("q_perm", m.q_perm);
    set_perm("k_perm", m.k_perm);
    set_perm("v_perm", m.v_perm);
    // The heads' merge Transpose after the product (keeping Dv last): Y written through it.
    if (Node* t = only_reader_op(uses, n.outputs[0], "Transpose"); t && t->has_output(0) && t->attrs.has("perm")) {
      std::vector<int64_t> perm = t->attrs.get_ints("perm");
      if (keeps_last_axis(perm) && perm.size() >= 2) {
        n.attrs.set_ints("y_perm", std::move(perm));
        take_over_output(n, 0, t->outputs[0]);
        m.dead.push_back(t);
      }
    }
    remove_nodes(g, m.dead);
    return true;
  }
  return false;
}

}  // namespace

bool fuse_attention(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
