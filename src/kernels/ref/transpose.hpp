#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

// Transpose, Slice, Expand, DepthToSpace and SpaceToDepth all reduce to strided_copy:
// output element idx reads input element offset + sum idx_d * strides[d]. The strides
// (in elements, relative to the input) are computed from the shapes at run time by the
// kernel, from these op-specific params.
struct TransposeParams {
  int perm[kMaxRank] = {};
};

// Slice: per input dim, first index, step and count (output dim). `dynamic` when
// starts/ends/axes/steps are only known while running.
struct SlicePlan {
  int64_t start[kMaxRank] = {};
  int64_t step[kMaxRank] = {};
  Shape out;
};
struct SliceParams {
  SlicePlan plan;
  bool dynamic = false;
};
// Clamps starts/ends as the ONNX spec says (negative steps walk backwards).
SlicePlan plan_slice(const Shape& in, const TensorView& starts, const TensorView& ends, const TensorView* axes,
                     const TensorView* steps);

struct ExpandParams {
  bool dynamic = false;
};

}  // namespace wisp::ref
