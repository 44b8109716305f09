// Binary elementwise ops with NumPy broadcasting (arithmetic, bitwise, logic, comparison)
// and the variadic ones built on them (Min, Max, Sum, Mean).
#pragma once
#include <cstdint>
#include <span>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class BinOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kPow, kMod, kMin, kMax,
  kBitShiftLeft, kBitShiftRight, kBitwiseAnd, kBitwiseOr, kBitwiseXor,
  kAnd, kOr, kXor,
  kEqual, kGreater, kLess, kGreaterOrEqual, kLessOrEqual,
};

struct BinaryParams {
  BinOp op = BinOp::kAdd;
  bool fmod = false;  // Mod: C fmod semantics (sign of the dividend) instead of Python's
  bool mean = false;  // variadic Sum that divides by the input count (Mean)
};

// out = a op b, broadcast. out may be the same memory as a when it has out's size.
// Types: a and b share a type, except Pow (b any numeric type). out has a's type, or bool
// for comparisons. Integer division or modulo by zero throws kOutOfRange.
void binary(const TensorView& a, const TensorView& b, TensorView& out, const BinaryParams& p);

// Folds every input into out with p.op (Min/Max/Add), broadcasting; Mean divides at the end.
void variadic(std::span<const TensorView* const> ins, TensorView& out, const BinaryParams& p);

}  // namespace wisp::ref
