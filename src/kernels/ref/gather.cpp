// Gather, GatherElements, GatherND, ScatterElements, ScatterND reference kernels.
// Gathers move element bytes (any type); scatters with a reduction compute in the
// element type (f16/bf16 in float). Every index is range-checked and negative indices
// are wrapped, as the spec says.
#include "kernels/ref/gather.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"
#include "kernels/ref/data_movement.hpp"

namespace wisp::ref {
namespace {

void gather_kernel(const KernelArgs& a) {
  const TensorView &data = *a.in[0], &idx = *a.in[1];
  const int axis = a.p<GatherParams>().axis;
  const int64_t es = dtype_size(data.dtype);
  const int64_t outer = data.shape.numel(0, axis), dim = data.shape[axis];
  const int64_t inner = data.shape.numel(axis + 1, data.shape.rank()) * es;
  const int64_t n = idx.numel();
  const auto* src = static_cast<const std::byte*>(data.data);
  auto* dst = static_cast<std::byte*>(a.out[0]->data);
  for (int64_t i = 0; i < n; ++i) (void)wrap_index(read_index(idx, i), dim, a, "Gather");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i, dst += inner) {
      const int64_t j = wrap_index(read_index(idx, i), dim, a, "Gather");
      std::memcpy(dst, src + (o * dim + j) * inner, static_cast<size_t>(inner));
    }
}

// Calls fn(flat index into indices, flat offset into data with the axis coord zeroed) for
// every element of `indices` shape; the caller adds idx * stride[axis].
template <class Fn>
void for_each_element_offset(const Shape& idx_shape, const Shape& data_strides, Fn&& fn) {
  const int rank = idx_shape.rank();
  const int64_t n = idx_shape.numel();
  int64_t pos[kMaxRank] = {};
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int d = 0; d < rank; ++d) off += pos[d] * data_strides[d];
    fn(i, off, pos);
    for (int d = rank - 1; d >= 0; --d) {
      if (++pos[d] < idx_shape[d]) break;
      pos[d] = 0;
    }
  }
}

void gather_elements_kernel(const KernelArgs& a) {
  const TensorView &data = *a.in[0], &idx = *a.in[1];
  const int axis = a.p<GatherParams>().axis;
  const Shape strides = strides_of(data.shape);
  const int64_t dim = data.shape[axis];
  dispatch_elem_size(data.dtype, "GatherElements", [&](auto tag) {
    using U = decltype(tag);
    const U* src = data.as<const U>();
    U* dst = a.out[0]->as<U>();
    for_each_element_offset(idx.shape, strides, [&](int64_t i, int64_t off, const int64_t* pos) {
      const int64_t j = wrap_index(read_index(idx, i), dim, a, "GatherElements");
      dst[i] = src[off + (j - pos[axis]) * strides[axis]];
    });
  });
}

// Offset (in elements) of the slice that index tuple t (k values) selects in data,
// starting from dim `first`; each coordinate range-checked and wrapped.
int64_t nd_offset(const TensorView& idx, int64_t t, int64_t k, const Shape& data, const Shape& strides, int first,
                  const KernelArgs& a, const char* op) {
  int64_t off = 0;
  for (int64_t c = 0; c < k; ++c) {
    const int d = first + static_cast<int>(c);
    off += wrap_index(read_index(idx, t * k + c), data[d], a, op) * strides[d];
  }
  return off;
}

void gather_nd_kernel(const KernelArgs& a) {
  const TensorView &data = *a.in[0], &idx = *a.in[1];
  const int b = a.p<GatherParams>().batch_dims;
  const int64_t k = idx.shape[idx.shape.rank() - 1];
  const Shape strides = strides_of(data.shape);
  const int64_t es = dtype_size(data.dtype);
  const int64_t batches = data.shape.numel(0, b);
  const int64_t batch_stride = b > 0 ? strides[b - 1] : data.numel();
  const int64_t tuples_per_batch = idx.shape.numel(b, idx.shape.rank() - 1);
  const int64_t slice = data.shape.numel(b + static_cast<int>(k), data.shape.rank());
  const auto* src = static_cast<const std::byte*>(data.data);
  auto* dst = static_cast<std::byte*>(a.out[0]->data);
  for (int64_t bi = 0; bi < batches; ++bi)
    for (int64_t t = 0; t < tuples_per_batch; ++t, dst += slice * es) {
      const int64_t off = bi * batch_stride + nd_offset(idx, bi * tuples_per_batch + t, k, data.shape, strides, b, a, "GatherND");
      std::memcpy(dst, src + off * es, static_cast<size_t>(slice * es));
    }
}

template <class T>
T reduce(T old, T upd, ScatterReduction r) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(reduce(static_cast<float>(old), static_cast<float>(upd), r));
  } else if constexpr (std::is_same_v<T, bool>) {
    switch (r) {
      case ScatterReduction::kAdd: case ScatterReduction::kMax: return old || upd;
      case ScatterReduction::kMul: case ScatterReduction::kMin: return old && upd;
      default: return upd;
    }
  } else {
    switch (r) {
      case ScatterReduction::kAdd: return static_cast<T>(old + upd);
      case ScatterReduction::kMul: return static_cast<T>(old * upd);
      case ScatterReduction::kMax: return std::max(old, upd);
      case ScatterReduction::kMin: return std::min(old, upd);
      default: return upd;
    }
  }
}

void scatter_elements_kernel(const KernelArgs& a) {
  const TensorView &data = *a.in[0], &idx = *a.in[1], &upd = *a.in[2];
  const auto& p = a.p<ScatterParams>();
  const Shape strides = strides_of(data.shape);
  const int64_t dim = data.shape[p.axis];
  for (int64_t i = 0; i < idx.numel(); ++i) (void)wrap_index(read_index(idx, i), dim, a, "ScatterElements");
  copy_bytes(data, *a.out[0]);
  dispatch_dtype(data.dtype, "ScatterElements", [&](auto tag) {
    using T = decltype(tag);
    const T* u = upd.as<const T>();
    T* out = a.out[0]->as<T>();
    for_each_element_offset(idx.shape, strides, [&](int64_t i, int64_t off, const int64_t* pos) {
      const int64_t j = wrap_index(read_index(idx, i), dim, a, "ScatterElements");
      T& dst = out[off + (j - pos[p.axis]) * strides[p.axis]];
      dst = reduce(dst, u[i], p.reduction);
    });
  });
}

void scatter_nd_kernel(const KernelArgs& a) {
  const TensorView &data = *a.in[0], &idx = *a.in[1], &upd = *a.in[2];
  const auto& p = a.p<ScatterParams>();
  const int64_t k = idx.shape[idx.shape.rank() - 1];
  const Shape strides = strides_of(data.shape);
  const int64_t tuples = idx.shape.numel(0, idx.shape.rank() - 1);
  const int64_t slice = data.shape.numel(static_cast<int>(k), data.shape.rank());
  for (int64_t t = 0; t < tuples; ++t) (void)nd_offset(idx, t, k, data.shape, strides, 0, a, "ScatterND");
  copy_bytes(data, *a.out[0]);
  dispatch_dtype(data.dtype, "ScatterND", [&](auto tag) {
    using T = decltype(tag);
    const T* u = upd.as<const T>();
    T* out = a.out[0]->as<T>();
    for (int64_t t = 0; t < tuples; ++t) {
      T* dst = out + nd_offset(idx, t, k, data.shape, strides, 0, a, "ScatterND");
      for (int64_t e = 0; e < slice; ++e) dst[e] = reduce(dst[e], u[t * slice + e], p.reduction);
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Gather", DType::kUndefined, Isa::kRef, gather_kernel);
WISP_REGISTER_KERNEL("GatherElements", DType::kUndefined, Isa::kRef, gather_elements_kernel);
WISP_REGISTER_KERNEL("GatherND", DType::kUndefined, Isa::kRef, gather_nd_kernel);
WISP_REGISTER_KERNEL("ScatterElements", DType::kUndefined, Isa::kRef, scatter_elements_kernel);
WISP_REGISTER_KERNEL("ScatterND", DType::kUndefined, Isa::kRef, scatter_nd_kernel);

}  // namespace wisp::ref
