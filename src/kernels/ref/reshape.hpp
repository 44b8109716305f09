#pragma once

namespace wisp::ref {

// Reshape, Flatten, Squeeze, Unsqueeze: the data is unchanged; only the shape differs.
// `dynamic`: the shape input was not known at prepare; the kernel computes the output
// shape from it and allocates the output.
struct ReshapeParams {
  bool dynamic = false;
  bool allowzero = false;
};

}  // namespace wisp::ref
