#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Per input dim: elements added before (begin) and after; negative values crop.
struct PadPlan {
  int64_t begin[kMaxRank] = {};
  int64_t end[kMaxRank] = {};
  Shape out;
};

struct PadParams {
  PadMode mode = PadMode::kConstant;
  float value_attr = 0;  // pre-opset-11 `value` attribute (the converter keeps it)
  PadPlan plan;
  bool dynamic = false;  // pads/axes known only while running
};

// pads: [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over `axes` (null = all dims).
PadPlan plan_pad(const Shape& in, const TensorView& pads, const TensorView* axes, PadMode mode);

// Trilu: keep elements on and above (upper) or below the k-th diagonal of the last two dims.
struct TriluParams {
  bool upper = true;
};

// DepthToSpace / SpaceToDepth: as a 6-D reshape + transpose of the input.
struct DepthToSpaceParams {
  Shape in6;      // input viewed as 6-D
  int perm[6] = {};
};

}  // namespace wisp::ref
