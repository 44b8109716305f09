// Transpose, Slice and Expand kernels (strided copies; see transpose.hpp).
#include "kernels/ref/transpose.hpp"

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {

SlicePlan plan_slice(const Shape& in, const TensorView& starts, const TensorView& ends, const TensorView* axes,
                     const TensorView* steps) {
  const int rank = in.rank();
  const SmallInts st = read_small_ints(starts, "starts"), en = read_small_ints(ends, "ends");
  WISP_CHECK(st.n == en.n, ErrorCode::kInvalidModel, "starts has ", st.n, " values but ends has ", en.n);
  SmallInts ax, sp;
  if (axes) {
    ax = read_small_ints(*axes, "axes");
    WISP_CHECK(ax.n == st.n, ErrorCode::kInvalidModel, "axes has ", ax.n, " values but starts has ", st.n);
  } else {
    WISP_CHECK(st.n <= rank, ErrorCode::kInvalidModel, "starts has ", st.n, " values for rank ", rank);
    ax.n = st.n;
    for (int i = 0; i < ax.n; ++i) ax.v[i] = i;
  }
  if (steps) {
    sp = read_small_ints(*steps, "steps");
    WISP_CHECK(sp.n == st.n, ErrorCode::kInvalidModel, "steps has ", sp.n, " values but starts has ", st.n);
  } else {
    sp.n = st.n;
    for (int i = 0; i < sp.n; ++i) sp.v[i] = 1;
  }
  SlicePlan plan;
  plan.out = in;
  for (int d = 0; d < rank; ++d) plan.step[d] = 1;
  bool seen[kMaxRank] = {};
  for (int i = 0; i < st.n; ++i) {
    const int d = Shape::normalize_axis(ax.v[i], rank, "axes value");
    WISP_CHECK(!seen[d], ErrorCode::kInvalidModel, "axes names axis ", d, " twice");
    seen[d] = true;
    const int64_t dim = in[d], step = sp.v[i];
    WISP_CHECK(step != 0, ErrorCode::kInvalidModel, "steps[", i, "] is 0");
    int64_t s = st.v[i], e = en.v[i];
    // Negative values count from the end; INT64_MIN/MAX ("to the end") stay out of range
    // and are clamped below. Counts avoid step arithmetic that could overflow.
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t count = 0;
    if (step > 0) {
      s = s < 0 ? 0 : (s > dim ? dim : s);
      e = e < 0 ? 0 : (e > dim ? dim : e);
      count = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = s < 0 ? 0 : (s > dim - 1 ? dim - 1 : s);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
      count = s > e ? (e - s + 1) / step + 1 : 0;
    }
    plan.start[d] = count > 0 ? s : 0;
    plan.step[d] = count > 1 ? step : 1;  // a huge step over one element must not overflow strides
    plan.out[d] = count;
  }
  return plan;
}

namespace {

void transpose_kernel(const KernelArgs& a) {
  const TensorView& in = *a.in[0];
  TensorView& out = *a.out[0];
  const Shape in_strides = strides_of(in.shape);
  int64_t strides[kMaxRank] = {};
  for (int d = 0; d < out.shape.rank(); ++d) strides[d] = in_strides[a.p<TransposeParams>().perm[d]];
  dispatch_elem_size(in.dtype, "Transpose", [&](auto tag) {
    using U = decltype(tag);
    strided_copy(in.as<const U>(), 0, strides, out.shape, out.as<U>(), a.pool);
  });
}

void slice_kernel(const KernelArgs& a) {
  const auto& p = a.p<SliceParams>();
  const TensorView& in = *a.in[0];
  SlicePlan dyn;
  const SlicePlan* plan = &p.plan;
  TensorView* out = a.out[0];
  if (p.dynamic) {
    dyn = with_label([&] { return kernel_label(a, "Slice"); }, [&] {
      return plan_slice(in.shape, *a.in[1], *a.in[2], a.has_in(3) ? a.in[3] : nullptr, a.has_in(4) ? a.in[4] : nullptr);
    });
    plan = &dyn;
    out = &a.alloc_output(0, in.dtype, dyn.out);
  }
  const Shape in_strides = strides_of(in.shape);
  int64_t strides[kMaxRank] = {}, offset = 0;
  for (int d = 0; d < in.shape.rank(); ++d) {
    strides[d] = in_strides[d] * plan->step[d];
    offset += in_strides[d] * plan->start[d];
  }
  dispatch_elem_size(in.dtype, "Slice", [&](auto tag) {
    using U = decltype(tag);
    strided_copy(in.as<const U>(), offset, strides, out->shape, out->as<U>(), a.pool);
  });
}

void expand_kernel(const KernelArgs& a) {
  const TensorView& in = *a.in[0];
  TensorView* out = a.out[0];
  if (a.p<ExpandParams>().dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, "Expand"); }, [&] {
      Shape r = expand_shape(in.shape, *a.in[1]);
      check_output_bytes(r, in.dtype);
      return r;
    });
    out = &a.alloc_output(0, in.dtype, s);
  }
  // Broadcast: input dims of size 1 (or missing, on the left) get stride 0.
  const Shape in_strides = strides_of(in.shape);
  const int r = out->shape.rank(), lead = r - in.shape.rank();
  int64_t strides[kMaxRank] = {};
  for (int d = lead; d < r; ++d) strides[d] = in.shape[d - lead] == 1 ? 0 : in_strides[d - lead];
  dispatch_elem_size(in.dtype, "Expand", [&](auto tag) {
    using U = decltype(tag);
    strided_copy(in.as<const U>(), 0, strides, out->shape, out->as<U>(), a.pool);
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Transpose", DType::kUndefined, Isa::kRef, transpose_kernel);
WISP_REGISTER_KERNEL("Slice", DType::kUndefined, Isa::kRef, slice_kernel);
WISP_REGISTER_KERNEL("Expand", DType::kUndefined, Isa::kRef, expand_kernel);

}  // namespace wisp::ref
