// CumSum along one axis: inclusive or exclusive (the element itself left out), forward or
// reverse. The axis is a runtime input (a scalar), so the kernel resolves it itself.
#pragma once
#include "core/tensor.hpp"

namespace wisp::ref {

struct CumSumParams {
  bool exclusive = false;
  bool reverse = false;
};

void cumsum(const TensorView& x, int64_t axis, TensorView& y, const CumSumParams& p);

}  // namespace wisp::ref
