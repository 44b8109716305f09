#include "kernels/ref/concat.hpp"

#include <algorithm>
#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"

namespace wisp::ref {
namespace {

// Both ops view a tensor as [outer, axis * inner] rows of bytes: the joined tensor's row o
// is the parts' rows o side by side. move_bytes moves the joined tensor's bytes [p0, p1)
// from (Concat) or to (Split) the parts, piece by piece; the pool splits the joined byte
// range into contiguous chunks (strided_copy's threshold), so a batch-1 channel Concat,
// one long copy per input, still splits. Plain copies: the same result for any split.
// part_row(k) is part k's row in bytes, part_data(k) its data (null: an omitted output).
template <bool kToJoined, class Row, class Data>
void move_bytes(std::byte* joined, int64_t joined_row, size_t parts, Row part_row, Data part_data, int64_t p0,
                int64_t p1) {
  int64_t o = p0 / joined_row, col = p0 % joined_row, kcol = 0;
  size_t k = 0;
  while (kcol + part_row(k) <= col) kcol += part_row(k++);  // the part holding col
  for (int64_t p = p0; p < p1;) {
    const int64_t row = part_row(k), off = col - kcol, len = std::min(row - off, p1 - p);
    std::byte* part = part_data(k);
    if (part) {
      std::byte* j = joined + o * joined_row + col;
      std::byte* q = part + o * row + off;
      if constexpr (kToJoined) std::memcpy(j, q, static_cast<size_t>(len));
      else std::memcpy(q, j, static_cast<size_t>(len));
    }
    p += len;
    col += len;
    if (col == joined_row) {  // next joined row, from the first non-empty part
      ++o;
      col = kcol = 0;
      k = 0;
      while (k + 1 < parts && part_row(k) == 0) ++k;
    } else if (col - kcol == row) {
      kcol = col;
      ++k;
      while (part_row(k) == 0) ++k;  // a later part is non-empty: col < joined_row
    }
  }
}

template <bool kToJoined, class Row, class Data>
void move_all(ThreadPool* pool, std::byte* joined, int64_t outer, int64_t joined_row, size_t parts, Row part_row,
              Data part_data) {
  const int64_t total = outer * joined_row;
  if (total == 0) return;
  const int64_t chunks = copy_chunks(pool, total);
  parallel_for(chunks > 1 ? pool : nullptr, chunks, [&](int64_t c0, int64_t c1) {
    move_bytes<kToJoined>(joined, joined_row, parts, part_row, part_data, total * c0 / chunks, total * c1 / chunks);
  });
}

void concat_kernel(const KernelArgs& a) {
  const int axis = a.p<ConcatParams>().axis;
  TensorView& out = *a.out[0];
  const int64_t es = dtype_size(out.dtype);
  const int64_t outer = out.shape.numel(0, axis), inner = out.shape.numel(axis + 1, out.shape.rank()) * es;
  move_all<true>(
      a.pool, static_cast<std::byte*>(out.data), outer, out.shape[axis] * inner, a.in.size(),
      [&](size_t k) { return a.in[k]->shape[axis] * inner; },
      [&](size_t k) { return static_cast<std::byte*>(const_cast<void*>(a.in[k]->data)); });
}

void split_kernel(const KernelArgs& a) {
  const auto& p = a.p<SplitParams>();
  const TensorView& in = *a.in[0];
  const int axis = p.axis;
  const int64_t es = dtype_size(in.dtype);
  const int64_t outer = in.shape.numel(0, axis), inner = in.shape.numel(axis + 1, in.shape.rank()) * es;
  const int64_t in_row = in.shape[axis] * inner;
  if (p.dynamic) {
    const TensorView& split = *a.in[1];
    int64_t total = 0;
    for (int64_t i = 0; i < split.numel(); ++i) {
      const int64_t v = read_index(split, i);
      if (v < 0) fail(ErrorCode::kInvalidArgument, kernel_label(a, "Split"), ": split[", i, "] = ", v, " is negative");
      total = checked_add(total, v);
    }
    if (split.numel() != static_cast<int64_t>(a.out.size()) || total != in.shape[axis])
      fail(ErrorCode::kInvalidArgument, kernel_label(a, "Split"), ": split has ", split.numel(), " values summing to ",
           total, "; expected ", a.out.size(), " values summing to ", in.shape[axis]);
    // Dynamic sizes (rare): outputs allocated now, copied serially one by one.
    int64_t col = 0;
    for (size_t k = 0; k < a.out.size(); ++k) {
      const int64_t size = read_index(split, static_cast<int64_t>(k)), row = size * inner;
      if (a.out[k] && row > 0) {
        Shape s = in.shape;
        s[axis] = size;
        auto* dst = static_cast<std::byte*>(a.alloc_output(static_cast<int>(k), in.dtype, s).data);
        const auto* src = static_cast<const std::byte*>(in.data) + col;
        for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * row, src + o * in_row, static_cast<size_t>(row));
      } else if (a.out[k]) {
        Shape s = in.shape;
        s[axis] = size;
        a.alloc_output(static_cast<int>(k), in.dtype, s);
      }
      col += row;
    }
    return;
  }
  move_all<false>(
      a.pool, static_cast<std::byte*>(const_cast<void*>(in.data)), outer, in_row, a.out.size(),
      [&](size_t k) { return p.sizes[k] * inner; },
      [&](size_t k) { return a.out[k] ? static_cast<std::byte*>(a.out[k]->data) : nullptr; });
}

}  // namespace

WISP_REGISTER_KERNEL("Concat", DType::kUndefined, Isa::kRef, concat_kernel);
WISP_REGISTER_KERNEL("Split", DType::kUndefined, Isa::kRef, split_kernel);

}  // namespace wisp::ref
