// Small matchers for the pattern-recognising passes (LayerNorm, GELU, scale and Transpose
// folds): "is v made by op X", "is v the scalar constant c", and the two-operand commutative
// match. They only look; editing stays in rewrite_util.
#pragma once
#include <optional>
#include <utility>

#include "passes/rewrite_util.hpp"

namespace wisp::passes {

// v's producer when it is an ai.onnx `op` node, else null.
Node* made_by(const Value* v, const char* op);

// v is a one-element constant within a relative `tol` of `want`.
bool is_scalar(const Value* v, double want, double tol = 1e-5);

// For a two-input node: the input beside `known`, or nullopt when neither input is
// `known` (both `known`: returns `known`).
std::optional<Value*> other_input(const Node& n, const Value* known);

// For a two-input node: the input that is a one-element constant within `tol` of `want`,
// returning the other input (commutative Add/Mul), or null.
Value* operand_beside_scalar(const Node& n, double want, double tol = 1e-5);

// The single reader of v (one use, not a graph output), or null.
Node* only_reader(const UseMap& uses, const Value* v);

// The single reader of v, when it is an ai.onnx `op` node.
Node* only_reader_op(const UseMap& uses, const Value* v, const char* op);

}  // namespace wisp::passes
