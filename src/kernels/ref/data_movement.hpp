// Shared helpers for the data-movement kernels (Gather, Concat, Slice, Transpose, Pad...).
//
// These kernels only move elements, never compute on them, so they work on element
// *bytes*: dispatch_elem_size picks an unsigned integer type of the element's width and
// the same code then serves f32, i32, f16, bool... alike. Index inputs (int32 or int64)
// are read with read_index. Out-of-range indices are data errors: kOutOfRange naming the
// node, the index and the allowed range.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp::ref {

// Calls fn(U{}) with U an unsigned integer type as wide as one element of `t`.
template <class Fn>
decltype(auto) dispatch_elem_size(DType t, const char* what, Fn&& fn) {
  switch (dtype_size(t)) {
    case 1: return fn(uint8_t{});
    case 2: return fn(uint16_t{});
    case 4: return fn(uint32_t{});
    case 8: return fn(uint64_t{});
    default: break;
  }
  fail(ErrorCode::kUnsupported, what, ": element type ", dtype_name(t), " is not supported");
}

// Element i of an int32 or int64 index tensor (other integer types also accepted).
inline int64_t read_index(const TensorView& v, int64_t i) {
  switch (v.dtype) {
    case DType::kI64: return v.as<const int64_t>()[i];
    case DType::kI32: return v.as<const int32_t>()[i];
    default: return element_as_int(v, i);
  }
}

// "Gather 'name'" for messages, or the op type when the node is unknown (unit tests).
std::string kernel_label(const KernelArgs& a, const char* op_type);

// Wraps a negative index into [0, dim); throws kOutOfRange (what + node, value, range)
// when idx is outside [-dim, dim).
inline int64_t wrap_index(int64_t idx, int64_t dim, const KernelArgs& a, const char* op_type, const char* what = "index") {
  if (idx < -dim || idx >= dim) {
    fail(ErrorCode::kOutOfRange, kernel_label(a, op_type), ": ", what, " ", idx, " is out of range; allowed [",
         -dim, ", ", dim - 1, "]");
  }
  return idx < 0 ? idx + dim : idx;
}

// Same check at prepare time, for constant indices (no KernelArgs there).
void check_indices_in_range(const TensorView& indices, int64_t dim, const std::string& label, const char* what = "index");

}  // namespace wisp::ref

namespace wisp::ref {

// dst[i] = src[offset + sum_d idx_d * src_strides[d]] for every index idx of out_shape,
// in row-major order. The one loop behind Transpose, Slice, Expand and DepthToSpace:
// each expresses its input walk as an offset plus per-dim strides (0 to broadcast,
// negative to walk backwards).
template <class U>
void strided_copy(const U* src, int64_t offset, const int64_t* src_strides, const Shape& out_shape, U* dst) {
  const int rank = out_shape.rank();
  const int64_t n = out_shape.numel();
  if (n == 0) return;
  if (rank == 0) {
    dst[0] = src[offset];
    return;
  }
  const int64_t inner = out_shape[rank - 1], inner_stride = src_strides[rank - 1];
  int64_t idx[kMaxRank] = {};
  int64_t base = offset;
  for (int64_t done = 0; done < n; done += inner) {
    const U* s = src + base;
    if (inner_stride == 1) {
      for (int64_t i = 0; i < inner; ++i) dst[i] = s[i];
    } else {
      for (int64_t i = 0; i < inner; ++i) dst[i] = s[i * inner_stride];
    }
    dst += inner;
    // Advance the odometer over the outer dims.
    for (int d = rank - 2; d >= 0; --d) {
      base += src_strides[d];
      if (++idx[d] < out_shape[d]) break;
      base -= src_strides[d] * out_shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace wisp::ref
