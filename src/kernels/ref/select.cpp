// NonZero, Compress, ReverseSequence, Unique reference kernels.
#include "kernels/ref/select.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"
#include "kernels/ref/data_movement.hpp"

namespace wisp::ref {
namespace {

template <class T>
bool is_nonzero(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return static_cast<float>(v) != 0.f;
  else return v != T{};
}

void non_zero_kernel(const KernelArgs& a) {
  const TensorView& in = *a.in[0];
  const int rank = in.shape.rank();
  dispatch_dtype(in.dtype, "NonZero", [&](auto tag) {
    using T = decltype(tag);
    const T* src = in.as<const T>();
    const int64_t n = in.numel();
    int64_t nnz = 0;
    for (int64_t i = 0; i < n; ++i) nnz += is_nonzero(src[i]) ? 1 : 0;
    TensorView& out = a.alloc_output(0, DType::kI64, Shape{rank, nnz});
    int64_t* dst = out.as<int64_t>();
    int64_t pos[kMaxRank] = {}, k = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (is_nonzero(src[i])) {
        for (int d = 0; d < rank; ++d) dst[d * nnz + k] = pos[d];
        ++k;
      }
      for (int d = rank - 1; d >= 0; --d) {
        if (++pos[d] < in.shape[d]) break;
        pos[d] = 0;
      }
    }
  });
}

void compress_kernel(const KernelArgs& a) {
  const auto& p = a.p<CompressParams>();
  const TensorView &in = *a.in[0], &cond = *a.in[1];
  const bool* c = cond.as<const bool>();
  const int64_t nc = cond.numel();
  const int64_t dim = p.axis < 0 ? in.numel() : in.shape[p.axis];
  if (nc > dim)
    fail(ErrorCode::kInvalidArgument, kernel_label(a, "Compress"), ": condition has ", nc, " entries but the axis has ",
         dim);
  TensorView* out = a.out[0];
  if (p.dynamic) {
    int64_t kept = 0;
    for (int64_t i = 0; i < nc; ++i) kept += c[i] ? 1 : 0;
    Shape s = p.axis < 0 ? Shape{kept} : in.shape;
    if (p.axis >= 0) s[p.axis] = kept;
    out = &a.alloc_output(0, in.dtype, s);
  }
  const int64_t es = dtype_size(in.dtype);
  const int64_t outer = p.axis < 0 ? 1 : in.shape.numel(0, p.axis);
  const int64_t inner = (p.axis < 0 ? 1 : in.shape.numel(p.axis + 1, in.shape.rank())) * es;
  const auto* src = static_cast<const std::byte*>(in.data);
  auto* dst = static_cast<std::byte*>(out->data);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < nc; ++i)
      if (c[i]) {
        std::memcpy(dst, src + (o * dim + i) * inner, static_cast<size_t>(inner));
        dst += inner;
      }
}

void reverse_sequence_kernel(const KernelArgs& a) {
  const auto& p = a.p<ReverseSequenceParams>();
  const TensorView &in = *a.in[0], &lens = *a.in[1];
  const Shape strides = strides_of(in.shape);
  const int64_t steps = in.shape[p.time_axis], batch = in.shape[p.batch_axis];
  const int64_t es = dtype_size(in.dtype), inner = strides[1] * es;  // bytes after the two leading axes
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t len = read_index(lens, b);
    if (len < 0 || len > steps)
      fail(ErrorCode::kOutOfRange, kernel_label(a, "ReverseSequence"), ": sequence_lens[", b, "] = ", len,
           " is out of range; allowed [0, ", steps, "]");
  }
  const auto* src = static_cast<const std::byte*>(in.data);
  auto* dst = static_cast<std::byte*>(a.out[0]->data);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t len = read_index(lens, b);
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t from = t < len ? len - 1 - t : t;
      const int64_t at_t = p.time_axis == 0 ? t * strides[0] + b * strides[1] : b * strides[0] + t * strides[1];
      const int64_t at_f = p.time_axis == 0 ? from * strides[0] + b * strides[1] : b * strides[0] + from * strides[1];
      std::memcpy(dst + at_t * es, src + at_f * es, static_cast<size_t>(inner));
    }
  }
}

// Unique over "slices": with an axis, slice i is in[..., i, ...]; without, element i.
template <class T>
struct SliceView {
  const T* data;
  int64_t outer, count, inner;  // data viewed as [outer, count, inner]
  // Lexicographic compare of slices i and j.
  int compare(int64_t i, int64_t j) const {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k) {
        const auto x = data[(o * count + i) * inner + k], y = data[(o * count + j) * inner + k];
        if (x < y) return -1;
        if (y < x) return 1;
      }
    return 0;
  }
};

void unique_kernel(const KernelArgs& a) {
  const auto& p = a.p<UniqueParams>();
  const TensorView& in = *a.in[0];
  const int64_t outer = p.axis < 0 ? 1 : in.shape.numel(0, p.axis);
  const int64_t n = p.axis < 0 ? in.numel() : in.shape[p.axis];
  const int64_t inner = p.axis < 0 ? 1 : in.shape.numel(p.axis + 1, in.shape.rank());
  int64_t* order = static_cast<int64_t*>(a.scratch);  // slices by value (ties: by index)
  int64_t* group_of = order + n;                       // original slice -> group (sorted order)
  int64_t* first = group_of + n;                       // group -> first occurrence
  int64_t* count = first + n;                          // group -> occurrences
  int64_t* out_pos = count + n;                        // group -> position in the output
  dispatch_dtype(in.dtype, "Unique", [&](auto tag) {
    using T = decltype(tag);
    const SliceView<T> v{in.as<const T>(), outer, n, inner};
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order, order + n, [&](int64_t x, int64_t y) {
      const int c = v.compare(x, y);
      return c != 0 ? c < 0 : x < y;
    });
    int64_t groups = 0;
    for (int64_t k = 0; k < n; ++k) {
      if (k == 0 || v.compare(order[k - 1], order[k]) != 0) {
        first[groups] = order[k];
        count[groups] = 0;
        ++groups;
      }
      group_of[order[k]] = groups - 1;
      ++count[groups - 1];
    }
    // Output order: sorted (group order) or by first occurrence.
    if (p.sorted) {
      for (int64_t g = 0; g < groups; ++g) out_pos[g] = g;
    } else {
      // order[] is free now: reuse it for the groups sorted by first occurrence.
      for (int64_t g = 0; g < groups; ++g) order[g] = g;
      std::sort(order, order + groups, [&](int64_t x, int64_t y) { return first[x] < first[y]; });
      for (int64_t r = 0; r < groups; ++r) out_pos[order[r]] = r;
    }
    Shape ys = p.axis < 0 ? Shape{groups} : in.shape;
    if (p.axis >= 0) ys[p.axis] = groups;
    TensorView& y = a.alloc_output(0, in.dtype, ys);
    T* yd = y.as<T>();
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < inner; ++k)
          yd[(o * groups + out_pos[g]) * inner + k] = v.data[(o * n + first[g]) * inner + k];
    if (a.has_out(1)) {
      int64_t* d = a.alloc_output(1, DType::kI64, Shape{groups}).as<int64_t>();
      for (int64_t g = 0; g < groups; ++g) d[out_pos[g]] = first[g];
    }
    if (a.has_out(2)) {
      int64_t* d = a.alloc_output(2, DType::kI64, Shape{n}).as<int64_t>();
      for (int64_t i = 0; i < n; ++i) d[i] = out_pos[group_of[i]];
    }
    if (a.has_out(3)) {
      int64_t* d = a.alloc_output(3, DType::kI64, Shape{groups}).as<int64_t>();
      for (int64_t g = 0; g < groups; ++g) d[out_pos[g]] = count[g];
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("NonZero", DType::kUndefined, Isa::kRef, non_zero_kernel);
WISP_REGISTER_KERNEL("Compress", DType::kUndefined, Isa::kRef, compress_kernel);
WISP_REGISTER_KERNEL("ReverseSequence", DType::kUndefined, Isa::kRef, reverse_sequence_kernel);
WISP_REGISTER_KERNEL("Unique", DType::kUndefined, Isa::kRef, unique_kernel);

}  // namespace wisp::ref
