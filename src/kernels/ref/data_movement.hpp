// Shared helpers for the data-movement kernels (Gather, Concat, Slice, Transpose, Pad...).
//
// These kernels only move elements, never compute on them, so they work on element
// *bytes*: dispatch_elem_size picks an unsigned integer type of the element's width and
// the same code then serves f32, i32, f16, bool... alike. Index inputs (int32 or int64)
// are read with read_index. Out-of-range indices are data errors: kOutOfRange naming the
// node, the index and the allowed range.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/status.hpp"
#include "core/tensor.hpp"
#include "kernels/kernel_registry.hpp"
#include "runtime/thread_pool.hpp"

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

// Copies (Slice, Transpose, Concat...) smaller than this run on one thread: a fork/join
// costs ~0.2-1 us with the workers awake, and moving 32 KiB takes ~2-3 us, so below two
// such chunks a split gains nothing and risks waiting on a descheduled worker.
inline constexpr int64_t kMinParallelCopyBytes = 32 * 1024;

// How many chunks a copy of `bytes` is split into: at most the pool's threads, at least
// kMinParallelCopyBytes each. 1 means run serially.
inline int64_t copy_chunks(ThreadPool* pool, int64_t bytes) {
  if (!pool || pool->threads() < 2) return 1;
  return std::clamp<int64_t>(bytes / kMinParallelCopyBytes, 1, pool->threads());
}

// dst[i] = src[offset + sum_d idx_d * src_strides[d]] for every index idx of out_shape,
// in row-major order. The one loop behind Transpose, Slice, Expand and DepthToSpace:
// each expresses its input walk as an offset plus per-dim strides (0 to broadcast,
// negative to walk backwards).
//
// Dims are first coalesced (size-1 dims dropped; a dim merged into the next when the
// source walks them as one, stride[d] == stride[d+1] * size[d+1]) so that a channel Slice
// of an NCHW tensor is one long contiguous run instead of H*C runs of W. With a pool and
// a large copy, the flat output range is cut into contiguous chunks; every element is a
// plain copy, so the result is the same for any split.
template <class U>
void strided_copy(const U* src, int64_t offset, const int64_t* src_strides, const Shape& out_shape, U* dst,
                  ThreadPool* pool = nullptr) {
  const int64_t n = out_shape.numel();
  if (n == 0) return;
  int64_t dims[kMaxRank], strides[kMaxRank];
  int rank = 0;
  for (int d = 0; d < out_shape.rank(); ++d) {
    if (out_shape[d] == 1) continue;
    if (rank > 0 && strides[rank - 1] == src_strides[d] * out_shape[d]) {
      dims[rank - 1] *= out_shape[d];
      strides[rank - 1] = src_strides[d];
    } else {
      dims[rank] = out_shape[d];
      strides[rank] = src_strides[d];
      ++rank;
    }
  }
  if (rank == 0) {  // one element
    dst[0] = src[offset];
    return;
  }
  const int64_t inner = dims[rank - 1], inner_stride = strides[rank - 1];
  // Copies output elements [e0, e1): starts the odometer at e0, runs row pieces.
  auto copy_range = [&](int64_t e0, int64_t e1) {
    int64_t idx[kMaxRank] = {};
    int64_t base = offset, rest = e0 / inner;
    for (int d = rank - 2; d >= 0; --d) {
      idx[d] = rest % dims[d];
      rest /= dims[d];
      base += idx[d] * strides[d];
    }
    int64_t col = e0 % inner;
    U* out = dst + e0;
    for (int64_t e = e0; e < e1;) {
      const int64_t len = std::min(inner - col, e1 - e);
      const U* s = src + base + col * inner_stride;
      if (inner_stride == 1) {
        std::memcpy(out, s, static_cast<size_t>(len) * sizeof(U));
      } else {
        for (int64_t i = 0; i < len; ++i) out[i] = s[i * inner_stride];
      }
      out += len;
      e += len;
      col = 0;
      // Advance the odometer over the outer dims.
      for (int d = rank - 2; d >= 0; --d) {
        base += strides[d];
        if (++idx[d] < dims[d]) break;
        base -= strides[d] * dims[d];
        idx[d] = 0;
      }
    }
  };
  const int64_t chunks = copy_chunks(pool, n * static_cast<int64_t>(sizeof(U)));
  if (chunks == 1) {
    copy_range(0, n);
    return;
  }
  parallel_for(pool, chunks, [&](int64_t c0, int64_t c1) { copy_range(n * c0 / chunks, n * c1 / chunks); });
}

}  // namespace wisp::ref
