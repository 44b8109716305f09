#include "passes/match_util.hpp"

#include <cmath>
#include <cstring>

namespace wisp::passes {

Node* made_by(const Value* v, const char* op) {
  Node* n = v ? v->producer : nullptr;
  return n && n->domain.empty() && n->op_type == op ? n : nullptr;
}

bool is_scalar(const Value* v, double want, double tol) {
  const std::optional<double> c = scalar_constant(v);
  return c && std::abs(*c - want) <= tol * std::max(1.0, std::abs(want));
}

std::optional<Value*> other_input(const Node& n, const Value* known) {
  if (n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) return std::nullopt;
  if (n.inputs[1] == known) return n.inputs[0];
  if (n.inputs[0] == known) return n.inputs[1];
  return std::nullopt;
}

Value* operand_beside_scalar(const Node& n, double want, double tol) {
  if (n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) return nullptr;
  for (size_t side = 0; side < 2; ++side)
    if (is_scalar(n.inputs[side], want, tol)) return n.inputs[1 - side];
  return nullptr;
}

Node* only_reader(const UseMap& uses, const Value* v) {
  return v && uses.single_use(v) ? uses.uses(v)[0].node : nullptr;
}

Node* only_reader_op(const UseMap& uses, const Value* v, const char* op) {
  Node* n = only_reader(uses, v);
  return n && n->domain.empty() && n->op_type == op ? n : nullptr;
}

}  // namespace wisp::passes
