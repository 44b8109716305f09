#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

// OneHot: output = indices' shape with a `depth` dim inserted at `axis`.
struct OneHotParams {
  int64_t axis = -1;  // raw attribute; resolved against the output rank
  bool dynamic = false;
};
Shape one_hot_shape(const Shape& indices, const TensorView& depth, int64_t axis);
int64_t one_hot_depth(const TensorView& depth);

// Range: length max(ceil((limit - start) / delta), 0).
struct RangeParams {
  bool dynamic = false;
};
int64_t range_length(const TensorView& start, const TensorView& limit, const TensorView& delta);

// EyeLike: ones on the k-th diagonal of a 2-D output of type `dtype`.
struct EyeLikeParams {
  int64_t k = 0;
};

}  // namespace wisp::ref
