// Transpose(p) -> layout-agnostic ops -> Transpose(q), q o p the identity: the Transposes go.
// An elementwise op commutes with any permutation of its operands' axes, so an op whose
// tensor operands arrive through the same Transpose(p) can run on the untransposed operands
// with one Transpose(p) after it (k input copies become one). Repeating this sinks the
// Transpose down chains of such ops until it meets the inverse Transpose, and
// merge_transposes removes the pair (run here too, so the pass stands alone). This is what
// layout conversions leave behind (NCHW -> NHWC -> Relu/Add/Mul... -> NCHW; see
// passes/layout_nhwc.cpp).
//
// The ops moved through: elementwise ops (constant operands of any shape that broadcasts
// are permuted along: a per-channel [C, 1, 1] bias under Transpose(0, 3, 1, 2) becomes
// [1, 1, 1, C]; operands of different shapes broadcast the same after the permutation, as
// [1, 1, 1, C] x [1, H, W, C] in a squeeze-excite block), Concat (axis k becomes p[k]) and
// Reduce* ops with constant axes (axes a become p[a]; with keepdims=0 no Transpose is
// needed after when the kept axes stay in order, as in a mean over H, W of NHWC data).
// An operand Transpose also read elsewhere stays for its other readers.
//
// The rule, per op n with Transpose(p) operands: count the Transposes before (operand
// Transposes read only by n, plus readers of n's output that are Transpose(p^-1)) and
// after (one Transpose(p) below n, unless every reader of the output is such an inverse,
// which then all cancel). Move when that lowers the count, or keeps it while the chain of
// single readers below n is known to end in the inverse Transpose (a step towards a
// cancellation); never for nothing.
#include <algorithm>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>

#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

bool is_elementwise(const Node& n) {
  static const std::set<std::string_view> kOps = {
      "Abs", "Add", "Ceil", "Clip", "Cos", "Div", "Elu", "Erf", "Exp", "Floor", "Gelu", "HardSigmoid", "HardSwish",
      "LeakyRelu", "Log", "Max", "Min", "Mish", "Mul", "Neg", "Pow", "PRelu", "Reciprocal", "Relu", "Round", "Selu",
      "Sigmoid", "Sign", "Sin", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Tanh", "ThresholdedRelu"};
  return n.domain.empty() && n.outputs.size() == 1 && n.has_output(0) && kOps.count(n.op_type) > 0;
}

bool is_concat(const Node& n) {
  return n.domain.empty() && n.op_type == "Concat" && n.outputs.size() == 1 && n.has_output(0);
}

bool is_reduce(const Node& n) {
  static const std::set<std::string_view> kOps = {"ReduceL1",  "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp",
                                                  "ReduceMax", "ReduceMean", "ReduceMin",   "ReduceProd",
                                                  "ReduceSum", "ReduceSumSquare"};
  if (!n.domain.empty() || n.outputs.size() != 1 || !n.has_output(0) || !kOps.count(n.op_type)) return false;
  if (n.inputs.size() != 2 || !n.has_input(1)) return false;
  const std::optional<std::vector<int64_t>> axes = ints_constant(n.inputs[1]);
  return axes && !axes->empty();
}

bool movable(const Node& n) { return is_elementwise(n) || is_concat(n) || is_reduce(n); }

// Reduce axes (normalised to [0, rank)), or empty when one is out of range.
std::vector<int64_t> reduce_axes(const Node& n, int64_t rank) {
  std::vector<int64_t> axes = *ints_constant(n.inputs[1]);
  for (int64_t& a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return {};
  }
  return axes;
}

// A Reduce with keepdims=0 over Transpose(p)(a): the kept axes r (in order) are a's axes
// p[r]; when those increase, reducing a gives the same tensor and no Transpose follows.
bool reduce_drops_transpose(const Node& n, const std::vector<int64_t>& p) {
  if (!is_reduce(n) || n.attrs.get_int("keepdims", 1) != 0) return false;
  const std::vector<int64_t> axes = reduce_axes(n, int64_t(p.size()));
  if (axes.empty()) return false;
  int64_t last = -1;
  for (int64_t r = 0; r < int64_t(p.size()); ++r) {
    if (std::find(axes.begin(), axes.end(), r) != axes.end()) continue;
    if (p[size_t(r)] < last) return false;
    last = p[size_t(r)];
  }
  return true;
}

Node* transpose_of(const Value* v) {
  Node* t = made_by(v, "Transpose");
  return t && t->has_input(0) && t->attrs.has("perm") ? t : nullptr;
}

bool inverse(const std::vector<int64_t>& p, const std::vector<int64_t>& q) {
  if (p.size() != q.size()) return false;
  for (size_t i = 0; i < q.size(); ++i)
    if (q[i] < 0 || q[i] >= int64_t(p.size()) || p[size_t(q[i])] != int64_t(i)) return false;
  return true;
}

// Every use of v is by n (and v is not a graph output).
bool only_read_by(const UseMap& uses, const Value* v, const Node* n) {
  if (uses.is_graph_output(v) || !uses.uses_replaceable(v)) return false;
  for (const Use& u : uses.uses(v))
    if (u.node != n) return false;
  return true;
}

// Whether n can move below Transpose(p): each present operand except `skip` is a
// Transpose(p) output or a constant that can be permuted along (rank <= p's; Concat: equal).
// Returns how many operand Transposes would go (read by n only), or -1.
int qualifying_operands(const Node& n, const std::vector<int64_t>& p, const UseMap& uses, const Value* skip) {
  const bool concat = is_concat(n), reduce = is_reduce(n);
  if (!concat && !reduce && !is_elementwise(n)) return -1;
  if (concat) {
    const int64_t axis = n.attrs.get_int("axis", int64_t(p.size()));
    if (axis < -int64_t(p.size()) || axis >= int64_t(p.size())) return -1;
  }
  if (reduce && reduce_axes(n, int64_t(p.size())).empty()) return -1;
  std::set<const Node*> removed;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Value* in = n.inputs[i];
    if (!in || in == skip || (reduce && i == 1)) continue;  // a Reduce's axes are remapped, not permuted
    if (const Tensor* c = constant_of(in)) {
      const int rank = c->shape().rank();
      if (rank > int(p.size()) || (concat && rank != int(p.size())) || dtype_size(c->dtype()) <= 0) return -1;
      continue;
    }
    const Node* t = transpose_of(in);
    if (!t || t->attrs.get_ints("perm") != p) return -1;
    if (only_read_by(uses, in, &n)) removed.insert(t);
  }
  return int(removed.size());
}

// Following single readers down from v through qualifying ops reaches a Transpose that undoes p.
bool ends_in_inverse(const Value* v, const std::vector<int64_t>& p, const UseMap& uses) {
  for (size_t steps = 0; steps < 1000; ++steps) {
    Node* r = only_reader(uses, v);
    if (!r) return false;
    if (r->op_type == "Transpose" && r->domain.empty()) return inverse(p, r->attrs.get_ints("perm"));
    if (qualifying_operands(*r, p, uses, v) < 0) return false;
    v = r->outputs[0];
  }
  return false;
}

// Readers of y that are Transpose(p^-1), and whether anything else reads y.
struct OutputReaders {
  int inverse = 0;
  bool other = false;
};
OutputReaders readers_of(const Value* y, const std::vector<int64_t>& p, const UseMap& uses) {
  OutputReaders r;
  r.other = uses.is_graph_output(y) || !uses.uses_replaceable(y);
  for (const Use& u : uses.uses(y)) {
    const Node* t = u.node;
    if (t->op_type == "Transpose" && t->domain.empty() && t->attrs.has("perm") && inverse(p, t->attrs.get_ints("perm")))
      ++r.inverse;
    else
      r.other = true;
  }
  return r;
}

// p holds each of 0 .. size-1 once (the pass runs before prepare validates the model).
bool is_permutation(const std::vector<int64_t>& p) {
  std::vector<bool> seen(p.size(), false);
  for (int64_t a : p) {
    if (a < 0 || a >= int64_t(p.size()) || seen[size_t(a)]) return false;
    seen[size_t(a)] = true;
  }
  return !p.empty();
}

std::vector<int64_t> inverse_of(const std::vector<int64_t>& p) {
  std::vector<int64_t> inv(p.size());
  for (size_t d = 0; d < p.size(); ++d) inv[size_t(p[d])] = int64_t(d);
  return inv;
}

// The constant c' with Transpose(c' padded, p) == c as broadcast at rank p.size(): c with
// leading 1s up to that rank, permuted by p^-1.
Value* permuted_constant(Graph& g, const Value* v, const std::vector<int64_t>& p) {
  const Tensor& c = *v->constant;
  Shape padded;
  for (int d = c.shape().rank(); d < int(p.size()); ++d) padded.push_back(1);
  for (int64_t d : c.shape()) padded.push_back(d);
  Tensor t(c.dtype(), padded);
  if (c.bytes() > 0) std::memcpy(t.data(), c.data(), static_cast<size_t>(c.bytes()));
  return g.add_constant(g.unique_name(v->name + "_permuted"), permuted_tensor(t, inverse_of(p)));
}

void move_below(Graph& g, Node& n, const std::vector<int64_t>& p, const UseMap& uses) {
  std::vector<const Node*> dead;
  const bool drops_transpose = reduce_drops_transpose(n, p);
  if (is_reduce(n)) {
    std::vector<int64_t> mapped;
    for (int64_t a : reduce_axes(n, int64_t(p.size()))) mapped.push_back(p[size_t(a)]);
    Tensor axes(DType::kI64, Shape{int64_t(mapped.size())});
    std::copy(mapped.begin(), mapped.end(), axes.as<int64_t>());
    n.inputs[1] = g.add_constant(g.unique_name(n.inputs[1]->name + "_permuted"), axes);
  }
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Value*& in = n.inputs[i];
    if (!in || (is_reduce(n) && i == 1)) continue;
    if (in->is_constant()) {
      const Tensor& c = *in->constant;
      // One element broadcasts the same either way (kept as is, unless Concat needs rank).
      if (c.numel() != 1 || is_concat(n)) in = permuted_constant(g, in, p);
      continue;
    }
    Node* t = in->producer;
    if (only_read_by(uses, in, &n) && std::find(dead.begin(), dead.end(), t) == dead.end()) dead.push_back(t);
    in = t->inputs[0];
  }
  if (is_concat(n)) {
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += int64_t(p.size());
    n.attrs.set_int("axis", p[size_t(axis)]);
  }
  if (drops_transpose) {
    remove_nodes(g, dead);
    return;
  }
  Value* y = n.outputs[0];
  if (Node* undo = only_reader_op(uses, y, "Transpose"); undo && inverse(p, undo->attrs.get_ints("perm"))) {
    // The only reader undoes p: n takes over its output (keeping the name, even as a graph output).
    take_over_output(n, 0, undo->outputs[0]);
    dead.push_back(undo);
    remove_nodes(g, dead);
    return;
  }
  Value* mid = g.add_value(g.unique_name(y->name + "_untransposed"));
  mid->dtype = y->dtype;
  take_over_output(n, 0, mid);
  Node* t = g.add_node("Transpose", g.unique_name(n.name + "_transpose"), {mid}, {y});
  t->attrs.set_ints("perm", p);
  remove_nodes(g, dead);
  g.sort_topologically();
  merge_transposes(g);  // the inverse readers cancel against t
  eliminate_dead_nodes(g);
}

bool sink_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& n = *np;
    if (!movable(n)) continue;
    // p: the permutation of the first transposed operand.
    std::vector<int64_t> p;
    for (const Value* in : n.inputs)
      if (const Node* t = transpose_of(in); t && p.empty()) p = t->attrs.get_ints("perm");
    if (int64_t(p.size()) > kMaxRank || !is_permutation(p)) continue;
    const int removed = qualifying_operands(n, p, uses, nullptr);
    if (removed < 0) continue;
    OutputReaders r = readers_of(n.outputs[0], p, uses);
    if (reduce_drops_transpose(n, p)) r = OutputReaders{};  // nothing below changes
    const int before = removed + r.inverse, after = r.other ? 1 : 0;
    if (before < after) continue;
    if (before == after && (removed == 0 || !ends_in_inverse(n.outputs[0], p, uses))) continue;
    move_below(g, n, p, uses);
    return true;
  }
  return false;
}

}  // namespace

bool cancel_transposes_around_elementwise(Graph& g) {
  bool changed = false;
  for (int steps = 0; steps < 100000 && sink_one(g); ++steps) changed = true;
  if (changed) {
    merge_transposes(g);
    eliminate_dead_nodes(g);
  }
  return changed;
}

}  // namespace wisp::passes
