#include "kernels/ref/concat.hpp"

#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"

namespace wisp::ref {
namespace {

// Both ops view a tensor as [outer, axis * inner] rows of bytes and move row pieces.
void concat_kernel(const KernelArgs& a) {
  const int axis = a.p<ConcatParams>().axis;
  TensorView& out = *a.out[0];
  const int64_t es = dtype_size(out.dtype);
  const int64_t outer = out.shape.numel(0, axis), inner = out.shape.numel(axis + 1, out.shape.rank()) * es;
  const int64_t out_row = out.shape[axis] * inner;
  int64_t col = 0;
  for (const TensorView* in : a.in) {
    const int64_t row = in->shape[axis] * inner;
    if (row > 0) {
      const auto* src = static_cast<const std::byte*>(in->data);
      auto* dst = static_cast<std::byte*>(out.data) + col;
      for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row, src + o * row, static_cast<size_t>(row));
    }
    col += row;
  }
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
  }
  int64_t col = 0;
  for (size_t k = 0; k < a.out.size(); ++k) {
    const int64_t size = p.dynamic ? read_index(*a.in[1], static_cast<int64_t>(k)) : p.sizes[k];
    const int64_t row = size * inner;
    TensorView* out = a.out[k];
    if (p.dynamic && out) {
      Shape s = in.shape;
      s[axis] = size;
      out = &a.alloc_output(static_cast<int>(k), in.dtype, s);
    }
    if (out && row > 0) {
      const auto* src = static_cast<const std::byte*>(in.data) + col;
      auto* dst = static_cast<std::byte*>(out->data);
      for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * row, src + o * in_row, static_cast<size_t>(row));
    }
    col += row;
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Concat", DType::kUndefined, Isa::kRef, concat_kernel);
WISP_REGISTER_KERNEL("Split", DType::kUndefined, Isa::kRef, split_kernel);

}  // namespace wisp::ref
