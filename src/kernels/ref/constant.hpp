#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

// Constant: the value to copy out (from whichever value* attribute the node has).
struct ConstantParams {
  Tensor value;
};

// ConstantOfShape: the one-element fill value; `dynamic` when the shape input is only
// known while running.
struct ConstantOfShapeParams {
  Tensor value;
  bool dynamic = false;
};

// Shape (opset 15 start/end, raw attribute values; clamped against the rank by the kernel).
struct ShapeParams {
  int64_t start = 0;
  int64_t end = INT64_MAX;
};

// Range [start, end) of Shape's dims, clamped as the spec says.
inline void shape_slice_bounds(int rank, int64_t start, int64_t end, int& lo, int& hi) {
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return static_cast<int>(v < 0 ? 0 : (v > rank ? rank : v));
  };
  lo = clamp(start);
  hi = clamp(end);
  if (hi < lo) hi = lo;
}

}  // namespace wisp::ref
