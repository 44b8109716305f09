// Reductions (ReduceSum ... ReduceLogSumExp) and ArgMax/ArgMin.
//
// A reduction is described by splitting the input's dims into "kept" and "reduced" ones:
// each output element is the fold, over the reduced sub-space, of the input elements at
// base(kept index) + offset(reduced index). Both indices are decomposed with the dims and
// input strides stored in the params, so any set of axes works with no scratch memory.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class ReduceKind : uint8_t { kSum, kSumSquare, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp };

// Dims and input strides of a subset of the input's axes, in input order.
struct AxisSet {
  int count = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < count; ++i) n *= dims[i];
    return n;
  }
  // Input offset of the flat index `i` over these axes (row-major).
  int64_t offset(int64_t i) const {
    int64_t off = 0;
    for (int k = count - 1; k >= 0; --k) {
      off += (i % dims[k]) * strides[k];
      i /= dims[k];
    }
    return off;
  }
};

struct ReduceParams {
  ReduceKind kind = ReduceKind::kSum;
  bool noop = false;  // empty axes with noop_with_empty_axes: output is the input
  AxisSet kept, reduced;
};

// Splits `in` into kept and reduced axes; `reduce_axis[i]` says whether axis i is reduced.
void split_axes(const Shape& in, const bool* reduce_axis, AxisSet& kept, AxisSet& reduced);

void reduce(const TensorView& in, TensorView& out, const ReduceParams& p);

struct ArgReduceParams {
  bool is_max = true;
  bool select_last_index = false;
  int64_t outer = 1, axis_dim = 1, inner = 1;  // input viewed as [outer, axis_dim, inner]
};

// Writes int64 indices along the axis (first occurrence unless select_last_index).
void arg_reduce(const TensorView& in, TensorView& out, const ArgReduceParams& p);

}  // namespace wisp::ref
