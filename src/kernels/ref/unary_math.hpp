// Unary elementwise math: one kernel for a table of functions (Abs, Exp, Sin, IsNaN...).
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class UnaryFn : uint8_t {
  kAbs, kNeg, kSign, kReciprocal, kFloor, kCeil, kRound, kSqrt, kExp, kLog, kErf,
  kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh, kCosh, kAsinh, kAcosh, kAtanh,
  kIsNaN, kIsInf, kNot, kBitwiseNot,
};

struct UnaryParams {
  UnaryFn fn = UnaryFn::kAbs;
  bool detect_positive = true;  // IsInf
  bool detect_negative = true;  // IsInf
};

// out may be the same memory as in. out's type is in's, or bool for IsNaN/IsInf.
void unary_math(const TensorView& in, TensorView& out, const UnaryParams& p);

}  // namespace wisp::ref
