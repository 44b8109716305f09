// Helpers for ops whose output shape comes from an input's *values* (Reshape's shape,
// Tile's repeats...). When the value is known at prepare (constant or folded), the output
// shape is set; otherwise the output is declared dynamic and the kernel computes the shape
// while running with the same function (src/kernels/ref/shape_compute.hpp).
#pragma once
#include <string>

#include "ir/op_registry.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp {

// Sets output i to compute() (labelled errors, 4 GiB limit) when `known`, else dynamic.
// Returns true when the shape was set statically.
template <class Compute>
bool set_output_from_values(InferContext& ctx, int i, DType dtype, bool known, Compute&& compute) {
  if (!known) {
    ctx.set_output_dynamic(i, dtype);
    return false;
  }
  const Shape s = ref::with_label([&] { return ctx.node().label(); }, [&] {
    Shape r = compute();
    ref::check_output_bytes(r, dtype);
    return r;
  });
  ctx.set_output(i, dtype, s);
  return true;
}

// Output i with a fixed shape, checked against the 4 GiB limit with the node's label.
inline void set_output_checked(InferContext& ctx, int i, DType dtype, const Shape& s) {
  ref::with_label([&] { return ctx.node().label(); }, [&] { ref::check_output_bytes(s, dtype); });
  ctx.set_output(i, dtype, s);
}

// Resolves axis against rank with the node label in the error.
inline int resolve_axis(const InferContext& ctx, int64_t axis, int rank, const char* what = "axis") {
  if (axis < -rank || axis >= (rank == 0 ? 1 : rank))
    ctx.fail_invalid(str_cat(what, " ", axis, " is out of range for rank ", rank, " (allowed [", -rank, ", ",
                             rank - 1, "])"));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace wisp
