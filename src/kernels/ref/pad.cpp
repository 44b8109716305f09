// Pad (constant/reflect/edge/wrap), Trilu, DepthToSpace, SpaceToDepth.
#include "kernels/ref/pad.hpp"

#include <algorithm>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {

PadPlan plan_pad(const Shape& in, const TensorView& pads, const TensorView* axes, PadMode mode) {
  const int rank = in.rank();
  const SmallInts p = read_small_ints(pads, "pads", 2 * kMaxRank);
  SmallInts ax;
  if (axes) {
    ax = read_small_ints(*axes, "axes", kMaxRank);
  } else {
    ax.n = rank;
    for (int i = 0; i < rank; ++i) ax.v[i] = i;
  }
  WISP_CHECK(p.n == 2 * ax.n, ErrorCode::kInvalidModel, "pads has ", p.n, " values; expected ", 2 * ax.n);
  PadPlan plan;
  plan.out = in;
  for (int i = 0; i < ax.n; ++i) {
    const int d = Shape::normalize_axis(ax.v[i], rank, "axes value");
    plan.begin[d] = p.v[i];
    plan.end[d] = p.v[i + ax.n];
    const int64_t dim = checked_add(checked_add(in[d], p.v[i]), p.v[i + ax.n]);
    WISP_CHECK(dim >= 0, ErrorCode::kInvalidModel, "pads crop dim ", d, " of ", in.str(), " below zero");
    WISP_CHECK(mode == PadMode::kConstant || in[d] > 0 || (p.v[i] == 0 && p.v[i + ax.n] == 0),
               ErrorCode::kInvalidModel, "cannot pad empty dim ", d, " in reflect/edge/wrap mode");
    plan.out[d] = dim;
  }
  return plan;
}

namespace {

// Input coordinate for output coordinate o along a dim of size n (-1: the pad value).
inline int64_t source_coord(int64_t o, int64_t begin, int64_t n, PadMode mode) {
  int64_t c = o - begin;
  if (c >= 0 && c < n) return c;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return c < 0 ? 0 : n - 1;
    case PadMode::kWrap: return ((c % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      c = ((c % period) + period) % period;
      return c < n ? c : period - c;
    }
  }
  return -1;
}

template <class T>
void pad(const TensorView& in, TensorView& out, const PadPlan& plan, PadMode mode, T value) {
  const int rank = out.shape.rank();
  const int64_t n = out.numel();
  const T* src = in.as<const T>();
  T* dst = out.as<T>();
  if (rank == 0) {
    if (n) dst[0] = src[0];
    return;
  }
  const Shape in_strides = strides_of(in.shape);
  int64_t idx[kMaxRank] = {};
  const int last = rank - 1;
  const int64_t inner = out.shape[last];
  for (int64_t done = 0; done < n; done += inner) {
    int64_t base = 0;
    bool outside = false;
    for (int d = 0; d < last; ++d) {
      const int64_t c = source_coord(idx[d], plan.begin[d], in.shape[d], mode);
      if (c < 0) outside = true;
      base += c * in_strides[d];
    }
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t c = outside ? -1 : source_coord(i, plan.begin[last], in.shape[last], mode);
      dst[i] = c < 0 ? value : src[base + c];
    }
    dst += inner;
    for (int d = last - 1; d >= 0; --d) {
      if (++idx[d] < out.shape[d]) break;
      idx[d] = 0;
    }
  }
}

void pad_kernel(const KernelArgs& a) {
  const auto& p = a.p<PadParams>();
  const TensorView& in = *a.in[0];
  PadPlan dyn;
  const PadPlan* plan = &p.plan;
  TensorView* out = a.out[0];
  if (p.dynamic) {
    dyn = with_label([&] { return kernel_label(a, "Pad"); }, [&] {
      PadPlan r = plan_pad(in.shape, *a.in[1], a.has_in(3) ? a.in[3] : nullptr, p.mode);
      check_output_bytes(r.out, in.dtype);
      return r;
    });
    plan = &dyn;
    out = &a.alloc_output(0, in.dtype, dyn.out);
  }
  const TensorView* cv = a.has_in(2) && a.in[2]->numel() > 0 ? a.in[2] : nullptr;
  dispatch_dtype(in.dtype, "Pad", [&](auto tag) {
    using T = decltype(tag);
    T value{};
    if (cv) value = *cv->as<const T>();
    else value = static_cast<T>(p.value_attr);
    pad<T>(in, *out, *plan, p.mode, value);
  });
}

void trilu_kernel(const KernelArgs& a) {
  const TensorView& in = *a.in[0];
  TensorView& out = *a.out[0];
  const int64_t k = a.has_in(1) && a.in[1]->numel() > 0 ? read_index(*a.in[1], 0) : 0;
  const bool upper = a.p<TriluParams>().upper;
  const int r = in.shape.rank();
  const int64_t rows = in.shape[r - 2], cols = in.shape[r - 1];
  const int64_t mats = in.shape.numel(0, r - 2);
  dispatch_elem_size(in.dtype, "Trilu", [&](auto tag) {
    using U = decltype(tag);
    const U* src = in.as<const U>();
    U* dst = out.as<U>();
    for (int64_t m = 0; m < mats; ++m)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const int64_t e = (m * rows + i) * cols + j;
          const bool keep = upper ? j - i >= k : j - i <= k;
          dst[e] = keep ? src[e] : U{0};
        }
  });
}

void depth_to_space_kernel(const KernelArgs& a) {
  const auto& p = a.p<DepthToSpaceParams>();
  const TensorView& in = *a.in[0];
  const Shape s = strides_of(p.in6);
  Shape out6;
  int64_t strides[6] = {};
  for (int d = 0; d < 6; ++d) {
    out6.push_back(p.in6[p.perm[d]]);
    strides[d] = s[p.perm[d]];
  }
  dispatch_elem_size(in.dtype, "DepthToSpace", [&](auto tag) {
    using U = decltype(tag);
    strided_copy(in.as<const U>(), 0, strides, out6, a.out[0]->as<U>());
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Pad", DType::kUndefined, Isa::kRef, pad_kernel);
WISP_REGISTER_KERNEL("Trilu", DType::kUndefined, Isa::kRef, trilu_kernel);
WISP_REGISTER_KERNEL("DepthToSpace", DType::kUndefined, Isa::kRef, depth_to_space_kernel);
WISP_REGISTER_KERNEL("SpaceToDepth", DType::kUndefined, Isa::kRef, depth_to_space_kernel);

}  // namespace wisp::ref
