// Output-shape computations shared by an op's infer function (at prepare, when the
// shape-giving input is constant or folded) and its kernel (while running, when that input
// is only known then and the output was declared dynamic). One function, two callers, so
// both paths agree. They throw unlabeled wisp::Errors; callers add the node's label
// (with_label) since only they know it. No heap allocation on the success path.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "kernels/ref/data_movement.hpp"

namespace wisp::ref {

// Runs fn(); an Error it throws is re-thrown with "label: " in front.
template <class Label, class Fn>
decltype(auto) with_label(Label&& label, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    fail(e.code(), label(), ": ", e.what());
  }
}

// Reads a 0-D or 1-D integer tensor into a fixed array (at most `cap` values).
struct SmallInts {
  int64_t v[16] = {};
  int n = 0;
};
SmallInts read_small_ints(const TensorView& t, const char* what, int cap = 16);

// Checks an output shape's byte size against kMaxTensorBytes (kResourceExhausted).
void check_output_bytes(const Shape& s, DType t);

// Reshape: 0 copies the input dim (unless allowzero), one -1 is inferred.
Shape reshape_shape(const Shape& in, const TensorView& shape, bool allowzero);
// Squeeze: axes (possibly null = all 1-dims) removed; each must be 1.
Shape squeeze_shape(const Shape& in, const TensorView* axes);
// Unsqueeze: 1-dims inserted at axes of the output.
Shape unsqueeze_shape(const Shape& in, const TensorView& axes);
// Expand: bidirectional broadcast of the input shape with `shape`.
Shape expand_shape(const Shape& in, const TensorView& shape);
// Tile: in[i] * repeats[i].
Shape tile_shape(const Shape& in, const TensorView& repeats);
// ConstantOfShape: the dims themselves (each >= 0).
Shape shape_from_values(const TensorView& shape, const char* what);

}  // namespace wisp::ref
