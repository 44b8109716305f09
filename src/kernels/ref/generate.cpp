// OneHot, Range, EyeLike: outputs generated from a few scalars.
#include "kernels/ref/generate.hpp"

#include <cmath>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {

int64_t one_hot_depth(const TensorView& depth) {
  WISP_CHECK(depth.numel() == 1, ErrorCode::kInvalidModel, "depth must have one element, has ", depth.numel());
  const double d = element_as_double(depth, 0);
  WISP_CHECK(d >= 1 && d < 9.2e18, ErrorCode::kInvalidModel, "depth ", d, " must be >= 1");
  return static_cast<int64_t>(d);
}

Shape one_hot_shape(const Shape& indices, const TensorView& depth, int64_t axis) {
  const int out_rank = indices.rank() + 1;
  const int a = Shape::normalize_axis(axis, out_rank, "axis");
  Shape out;
  for (int d = 0, k = 0; d < out_rank; ++d) out.push_back(d == a ? one_hot_depth(depth) : indices[k++]);
  return out;
}

int64_t range_length(const TensorView& start, const TensorView& limit, const TensorView& delta) {
  WISP_CHECK(start.numel() == 1 && limit.numel() == 1 && delta.numel() == 1, ErrorCode::kInvalidModel,
             "start, limit and delta must be scalars");
  if (dtype_is_float(start.dtype)) {
    const double s = element_as_double(start, 0), l = element_as_double(limit, 0), d = element_as_double(delta, 0);
    WISP_CHECK(d != 0 && std::isfinite(s) && std::isfinite(l) && std::isfinite(d), ErrorCode::kInvalidArgument,
               "Range needs finite values and a non-zero delta");
    const double n = std::ceil((l - s) / d);
    WISP_CHECK(n < 9.0e18, ErrorCode::kResourceExhausted, "Range of ", n, " elements is too large");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  const int64_t s = element_as_int(start, 0), l = element_as_int(limit, 0), d = element_as_int(delta, 0);
  WISP_CHECK(d != 0, ErrorCode::kInvalidArgument, "Range needs a non-zero delta");
  int64_t span = 0;
  WISP_CHECK(!__builtin_sub_overflow(l, s, &span), ErrorCode::kResourceExhausted, "Range from ", s, " to ", l,
             " is too large");
  int64_t n = span / d;  // truncated; round up when the remainder points the way of delta
  if (n * d != span && ((span > 0) == (d > 0))) ++n;
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

namespace {

void one_hot_kernel(const KernelArgs& a) {
  const auto& p = a.p<OneHotParams>();
  const TensorView &idx = *a.in[0], &values = *a.in[2];
  TensorView* out = a.out[0];
  if (p.dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, "OneHot"); }, [&] {
      Shape r = one_hot_shape(idx.shape, *a.in[1], p.axis);
      check_output_bytes(r, values.dtype);
      return r;
    });
    out = &a.alloc_output(0, values.dtype, s);
  }
  const int axis = Shape::normalize_axis(p.axis, out->shape.rank());
  const int64_t depth = out->shape[axis];
  const int64_t outer = out->shape.numel(0, axis), inner = out->shape.numel(axis + 1, out->shape.rank());
  dispatch_elem_size(values.dtype, "OneHot", [&](auto tag) {
    using U = decltype(tag);
    const U off = values.as<const U>()[0], on = values.as<const U>()[1];
    U* dst = out->as<U>();
    std::fill_n(dst, out->numel(), off);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t v = element_as_int(idx, o * inner + i);
        // The spec: negative indices count from the end; out of [-depth, depth) -> all off.
        if (v < 0) v += depth;
        if (v >= 0 && v < depth) dst[(o * depth + v) * inner + i] = on;
      }
  });
}

void range_kernel(const KernelArgs& a) {
  TensorView* out = a.out[0];
  const TensorView &start = *a.in[0], &delta = *a.in[2];
  if (a.p<RangeParams>().dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, "Range"); }, [&] {
      Shape r{range_length(start, *a.in[1], delta)};
      check_output_bytes(r, start.dtype);
      return r;
    });
    out = &a.alloc_output(0, start.dtype, s);
  }
  dispatch_dtype(start.dtype, "Range", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      const T s = *start.as<const T>(), d = *delta.as<const T>();
      T* dst = out->as<T>();
      // start + i * delta (not repeated addition), as the spec's reference computes it.
      for (int64_t i = 0; i < out->numel(); ++i) dst[i] = static_cast<T>(s + static_cast<T>(i) * d);
    } else {
      fail(ErrorCode::kUnsupported, kernel_label(a, "Range"), ": type ", dtype_name(start.dtype));
    }
  });
}

void eye_like_kernel(const KernelArgs& a) {
  TensorView& out = *a.out[0];
  const int64_t k = a.p<EyeLikeParams>().k, rows = out.shape[0], cols = out.shape[1];
  dispatch_dtype(out.dtype, "EyeLike", [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.as<T>();
    std::fill_n(dst, out.numel(), T{});
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t j = i + k;
      if (j >= 0 && j < cols) dst[i * cols + j] = static_cast<T>(1.0f);
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("OneHot", DType::kUndefined, Isa::kRef, one_hot_kernel);
WISP_REGISTER_KERNEL("Range", DType::kUndefined, Isa::kRef, range_kernel);
WISP_REGISTER_KERNEL("EyeLike", DType::kUndefined, Isa::kRef, eye_like_kernel);

}  // namespace wisp::ref
