// Where (3-way broadcast select) and Cast (element type conversion).
#pragma once
#include "core/tensor.hpp"

namespace wisp::ref {

// out = cond ? x : y, all three broadcast (NumPy rules) to out's shape.
void where(const TensorView& cond, const TensorView& x, const TensorView& y, TensorView& out);

// Converts every element of in to out's type (same shape). bool is x != 0; float to
// integer truncates toward zero, NaN becomes 0 and out-of-range values saturate; float to
// f16/bf16 rounds to nearest even.
void cast(const TensorView& in, TensorView& out);

}  // namespace wisp::ref
