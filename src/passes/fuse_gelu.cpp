// GELU from its elementwise forms -> one Gelu node (ONNX opset 20; Wisp runs it at any opset):
//
//   erf form:   y = x * 0.5 * (1 + Erf(x / sqrt 2))                   -> Gelu(x)
//   tanh form:  y = x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3))) -> Gelu(x, approximate=tanh)
//               (also factored: Tanh((x * sqrt(2/pi)) * (1 + 0.044715 x x)), "FastGELU")
//
// Exporters differ in where the 0.5 goes and in operand order, so the "1 + ..." value b
// is matched first and the product {x, 0.5, b} is accepted in the three associations
// (x*b)*0.5, (x*0.5)*b and x*(b*0.5), either operand order each. x/sqrt2 may be
// Div(x, 1.41421) or Mul(x, 0.70711); x^3 may be Pow(x, 3) or Mul(Mul(x, x), x).
// Every intermediate must be read only inside the pattern. The node producing y becomes
// the Gelu (it comes after x's producer); the others are removed.
#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kGeluCubic = 0.044715;

// Erf(x / sqrt 2): returns x.
Value* erf_argument_source(const Node& erf, const UseMap& uses, std::vector<const Node*>& dead) {
  Value* a = erf.inputs.empty() ? nullptr : erf.inputs[0];
  if (!a || !uses.single_use(a)) return nullptr;
  if (Node* div = made_by(a, "Div"); div && div->inputs.size() == 2 && is_scalar(div->inputs[1], kSqrt2)) {
    dead.push_back(div);
    return div->inputs[0];
  }
  if (Node* mul = made_by(a, "Mul")) {
    if (Value* x = operand_beside_scalar(*mul, 1.0 / kSqrt2)) {
      dead.push_back(mul);
      return x;
    }
  }
  return nullptr;
}

// x^3 as Pow(x, 3) or Mul(Mul(x, x), x) in either order: returns x.
Value* cube_source(const Value* v, const UseMap& uses, std::vector<const Node*>& dead) {
  if (!v || !uses.single_use(v)) return nullptr;
  if (Node* pow = made_by(v, "Pow"); pow && pow->inputs.size() == 2 && is_scalar(pow->inputs[1], 3.0)) {
    dead.push_back(pow);
    return pow->inputs[0];
  }
  Node* outer = made_by(v, "Mul");
  if (!outer || outer->inputs.size() != 2) return nullptr;
  for (size_t side = 0; side < 2; ++side) {
    Value* sq = outer->inputs[side];
    Value* x = outer->inputs[1 - side];
    Node* inner = made_by(sq, "Mul");
    if (inner && inner->inputs.size() == 2 && inner->inputs[0] == x && inner->inputs[1] == x && uses.single_use(sq)) {
      dead.push_back(outer);
      dead.push_back(inner);
      return x;
    }
  }
  return nullptr;
}

// 0.044715 * x * x in any association (Mul(Mul(x, c), x), Mul(Mul(x, x), c), ...): returns x.
Value* coef_x_squared_source(const Value* t, const UseMap& uses, std::vector<const Node*>& dead) {
  Node* m = made_by(t, "Mul");
  if (!m || m->inputs.size() != 2 || !uses.single_use(t)) return nullptr;
  for (size_t side = 0; side < 2; ++side) {
    Value* p = m->inputs[side];
    Value* q = m->inputs[1 - side];
    Node* inner = made_by(p, "Mul");
    if (!inner || inner->inputs.size() != 2 || !uses.single_use(p)) continue;
    if (is_scalar(q, kGeluCubic, 1e-4) && inner->inputs[0] == inner->inputs[1]) {  // (x * x) * c
      dead.insert(dead.end(), {m, inner});
      return inner->inputs[0];
    }
    if (Value* x = operand_beside_scalar(*inner, kGeluCubic, 1e-4); x && x == q) {  // (x * c) * x
      dead.insert(dead.end(), {m, inner});
      return x;
    }
  }
  return nullptr;
}

// The tanh argument: sqrt(2/pi) * (x + 0.044715 * x^3) (PyTorch, HF gelu_new), or the
// factored (x * sqrt(2/pi)) * (1 + 0.044715 * x * x) (Megatron/OpenAI FastGELU): returns x.
Value* tanh_argument_source(const Node& tanh, const UseMap& uses, std::vector<const Node*>& dead) {
  Value* u = tanh.inputs.empty() ? nullptr : tanh.inputs[0];
  Node* outer = made_by(u, "Mul");
  if (!outer || outer->inputs.size() != 2 || !uses.single_use(u)) return nullptr;
  if (Value* s = operand_beside_scalar(*outer, kSqrt2OverPi, 1e-4)) {
    Node* add = made_by(s, "Add");
    if (!add || add->inputs.size() != 2 || !uses.single_use(s)) return nullptr;
    for (size_t side = 0; side < 2; ++side) {
      Value* x = add->inputs[side];
      Value* t = add->inputs[1 - side];
      Node* coef = made_by(t, "Mul");
      if (!coef || !uses.single_use(t)) continue;
      std::vector<const Node*> cube_nodes;
      if (cube_source(operand_beside_scalar(*coef, kGeluCubic, 1e-4), uses, cube_nodes) != x) continue;
      dead.insert(dead.end(), {outer, add, coef});
      dead.insert(dead.end(), cube_nodes.begin(), cube_nodes.end());
      return x;
    }
    return nullptr;
  }
  for (size_t side = 0; side < 2; ++side) {
    Value* a = outer->inputs[side];
    Value* b = outer->inputs[1 - side];
    Node* ax = made_by(a, "Mul");
    Node* add = made_by(b, "Add");
    if (!ax || !add || !uses.single_use(a) || !uses.single_use(b)) continue;
    Value* x = operand_beside_scalar(*ax, kSqrt2OverPi, 1e-4);
    std::vector<const Node*> sq_nodes;
    if (!x || coef_x_squared_source(operand_beside_scalar(*add, 1.0), uses, sq_nodes) != x) continue;
    dead.insert(dead.end(), {outer, ax, add});
    dead.insert(dead.end(), sq_nodes.begin(), sq_nodes.end());
    return x;
  }
  return nullptr;
}

// Given b = 1 + f(x), finds y = x * 0.5 * b; returns y's producer and adds the other Mul.
Node* half_x_times(Value* b, Value* x, const UseMap& uses, std::vector<const Node*>& dead) {
  Node* m1 = only_reader_op(uses, b, "Mul");
  if (!m1) return nullptr;
  const std::optional<Value*> other = other_input(*m1, b);
  if (!other || *other == b) return nullptr;
  if (*other == x) {  // (x * b) * 0.5
    Node* m2 = only_reader_op(uses, m1->outputs[0], "Mul");
    if (!m2 || operand_beside_scalar(*m2, 0.5) != m1->outputs[0]) return nullptr;
    dead.push_back(m1);
    return m2;
  }
  if (operand_beside_scalar(*m1, 0.5) == b) {  // x * (b * 0.5)
    Node* m2 = only_reader_op(uses, m1->outputs[0], "Mul");
    if (!m2 || other_input(*m2, m1->outputs[0]) != x) return nullptr;
    dead.push_back(m1);
    return m2;
  }
  Node* half = made_by(*other, "Mul");  // (x * 0.5) * b
  if (!half || !uses.single_use(*other) || operand_beside_scalar(*half, 0.5) != x) return nullptr;
  dead.push_back(half);
  return m1;
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& f = *np;
    const bool erf = f.op_type == "Erf", tanh = f.op_type == "Tanh";
    if (!(erf || tanh) || !f.domain.empty() || !f.has_input(0) || !f.has_output(0)) continue;
    std::vector<const Node*> dead = {&f};
    Value* x = erf ? erf_argument_source(f, uses, dead) : tanh_argument_source(f, uses, dead);
    if (!x) continue;  // Erf and Tanh take only float types, so x is float
    Node* plus_one = only_reader_op(uses, f.outputs[0], "Add");
    if (!plus_one || operand_beside_scalar(*plus_one, 1.0) != f.outputs[0]) continue;
    dead.push_back(plus_one);
    Node* out = half_x_times(plus_one->outputs[0], x, uses, dead);
    if (!out) continue;
    out->op_type = "Gelu";
    out->inputs = {x};
    out->attrs = Attributes{};
    if (tanh) out->attrs.set_string("approximate", "tanh");
    remove_nodes(g, dead);
    return true;
  }
  return false;
}

}  // namespace

bool fuse_gelu(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
