// NumPy-style broadcasting loops for elementwise kernels.
//
// for_each_broadcast(out_shape, {&a.shape, &b.shape}, fn) calls fn(out_index, offsets)
// for every output element in row-major order, where offsets[k] is the flat element
// offset of the input k element that broadcasts to it. Inputs are aligned to the right
// (NumPy rules); a dimension an input lacks or has as 1 gets stride 0.
//
// To stay reasonably fast without SIMD, the common cases take flat loops (every input the
// output's size, or a scalar), and in the general case adjacent dimensions that every
// input walks contiguously (or every input broadcasts) are merged first, so e.g.
// [N,C,H,W] + [1,C,1,1] runs as a 3-D loop [N,C,H*W] with an inner run of H*W.
// Callers must have checked that the shapes broadcast (infer does); nothing allocates.
#pragma once
#include <array>
#include <cstdint>

#include "core/shape.hpp"

namespace wisp::ref {

template <size_t N>
using BroadcastOffsets = std::array<int64_t, N>;

template <size_t N, class Fn>
void for_each_broadcast(const Shape& out, const std::array<const Shape*, N>& ins, Fn&& fn) {
  const int64_t total = out.numel();
  if (total == 0) return;

  // Fast path: every input is either the output's size or a single element.
  bool flat = true;
  std::array<int64_t, N> flat_step{};
  for (size_t k = 0; k < N; ++k) {
    const int64_t n = ins[k]->numel();
    if (n == total) {
      flat_step[k] = 1;
    } else if (n == 1) {
      flat_step[k] = 0;
    } else {
      flat = false;
    }
  }
  if (flat) {
    BroadcastOffsets<N> off{};
    for (int64_t i = 0; i < total; ++i) {
      for (size_t k = 0; k < N; ++k) off[k] = i * flat_step[k];
      fn(i, off);
    }
    return;
  }

  // General case: per-input strides aligned to the output, size-1 output dims dropped,
  // mergeable neighbours merged.
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t strides[N][kMaxRank];
  {
    std::array<int64_t, N> acc;
    acc.fill(1);
    int64_t tmp_dims[kMaxRank];
    int64_t tmp_strides[N][kMaxRank];
    const int r = out.rank();
    for (int d = r - 1; d >= 0; --d) {
      tmp_dims[d] = out[d];
      for (size_t k = 0; k < N; ++k) {
        const int kd = d - (r - ins[k]->rank());
        const int64_t size = kd >= 0 ? (*ins[k])[kd] : 1;
        tmp_strides[k][d] = size == 1 ? 0 : acc[k];
        acc[k] *= size;
      }
    }
    for (int d = 0; d < r; ++d) {
      if (tmp_dims[d] == 1) continue;
      bool merge = rank > 0;
      for (size_t k = 0; k < N && merge; ++k)
        merge = strides[k][rank - 1] == tmp_strides[k][d] * tmp_dims[d];
      if (merge) {
        dims[rank - 1] *= tmp_dims[d];
        for (size_t k = 0; k < N; ++k) strides[k][rank - 1] = tmp_strides[k][d];
      } else {
        dims[rank] = tmp_dims[d];
        for (size_t k = 0; k < N; ++k) strides[k][rank] = tmp_strides[k][d];
        ++rank;
      }
    }
  }
  // rank >= 1 here: total > 1 and not every input is flat.

  int64_t counter[kMaxRank] = {};
  BroadcastOffsets<N> base{};
  const int inner = rank - 1;
  const int64_t inner_size = dims[inner];
  int64_t i = 0;
  while (true) {
    BroadcastOffsets<N> off = base;
    for (int64_t j = 0; j < inner_size; ++j) {
      fn(i++, off);
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][inner];
    }
    // Advance the outer counter (odometer), updating the base offsets incrementally.
    int d = inner - 1;
    for (; d >= 0; --d) {
      if (++counter[d] < dims[d]) {
        for (size_t k = 0; k < N; ++k) base[k] += strides[k][d];
        break;
      }
      counter[d] = 0;
      for (size_t k = 0; k < N; ++k) base[k] -= strides[k][d] * (dims[d] - 1);
    }
    if (d < 0) return;
  }
}

}  // namespace wisp::ref
