#pragma once

namespace wisp::ref {

// Gather, GatherElements, ScatterElements: the resolved axis.
// GatherND, ScatterND: batch_dims (ScatterND: always 0).
struct GatherParams {
  int axis = 0;
  int batch_dims = 0;
};

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

struct ScatterParams {
  int axis = 0;
  ScatterReduction reduction = ScatterReduction::kNone;
};

}  // namespace wisp::ref
