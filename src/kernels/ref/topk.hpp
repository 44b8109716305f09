// TopK along one axis: the k largest (or smallest) values and their int64 indices,
// ordered by value, ties broken by the lower index (the order the ONNX tests expect).
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

struct TopKParams {
  int64_t outer = 1, axis_dim = 1, inner = 1, k = 0;  // input viewed as [outer, axis_dim, inner]
  bool largest = true;
};

// `scratch` holds axis_dim int64 indices.
void topk(const TensorView& x, TensorView& values, TensorView& indices, const TopKParams& p, int64_t* scratch);

}  // namespace wisp::ref
