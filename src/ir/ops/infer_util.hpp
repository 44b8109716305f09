// Small helpers shared by many ops' infer functions.
#pragma once
#include "ir/op_registry.hpp"

namespace wisp {

// Output 0 has input 0's type and shape (unary elementwise ops).
inline void infer_same_as_input0(InferContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

// Checks that inputs [first, last] that are present all have input `first`'s type.
void require_same_dtype(const InferContext& ctx, int first, int last);

// Requires input i to be one of a list of types, naming the op's accepted types otherwise.
void require_dtype_in(const InferContext& ctx, int i, std::initializer_list<DType> allowed);

// NumPy broadcast of all present inputs' shapes.
Shape broadcast_inputs(const InferContext& ctx);

}  // namespace wisp
