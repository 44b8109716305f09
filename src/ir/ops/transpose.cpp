// Transpose, Slice, Expand and Tile: outputs whose elements are input elements at
// computed positions.
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/tile.hpp"
#include "kernels/ref/transpose.hpp"

namespace wisp {
namespace {

void infer_transpose(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const int rank = in.rank();
  std::vector<int64_t> perm = ctx.attrs().get_ints("perm");
  if (!ctx.attrs().has("perm"))
    for (int d = rank - 1; d >= 0; --d) perm.push_back(d);
  if (static_cast<int>(perm.size()) != rank)
    ctx.fail_invalid(str_cat("perm has ", perm.size(), " values for an input of rank ", rank));
  auto& p = ctx.params<ref::TransposeParams>();
  bool seen[kMaxRank] = {};
  Shape out;
  for (int d = 0; d < rank; ++d) {
    const int64_t v = perm[static_cast<size_t>(d)];
    if (v < 0 || v >= rank || seen[v]) ctx.fail_invalid(str_cat("perm is not a permutation of 0..", rank - 1));
    seen[v] = true;
    p.perm[d] = static_cast<int>(v);
    out.push_back(in[static_cast<int>(v)]);
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_slice(InferContext& ctx) {
  auto& p = ctx.params<ref::SliceParams>();
  const TensorView* starts = ctx.input_value(1);
  const TensorView* ends = ctx.input_value(2);
  const TensorView* axes = ctx.input_value(3);
  const TensorView* steps = ctx.input_value(4);
  const bool known = starts && ends && (axes || !ctx.has_input(3)) && (steps || !ctx.has_input(4));
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), known, [&] {
    p.plan = ref::plan_slice(ctx.input_shape(0), *starts, *ends, axes, steps);
    return p.plan.out;
  });
}

void infer_expand(InferContext& ctx) {
  const TensorView* shape = ctx.input_value(1);
  ctx.params<ref::ExpandParams>().dynamic = !set_output_from_values(
      ctx, 0, ctx.input_dtype(0), shape != nullptr, [&] { return ref::expand_shape(ctx.input_shape(0), *shape); });
}

void infer_tile(InferContext& ctx) {
  const TensorView* repeats = ctx.input_value(1);
  ctx.params<ref::TileParams>().dynamic = !set_output_from_values(
      ctx, 0, ctx.input_dtype(0), repeats != nullptr, [&] { return ref::tile_shape(ctx.input_shape(0), *repeats); });
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Transpose", .infer = infer_transpose});
WISP_REGISTER_OP({.op_type = "Slice", .min_inputs = 3, .max_inputs = 5, .infer = infer_slice});
WISP_REGISTER_OP({.op_type = "Expand", .min_inputs = 2, .max_inputs = 2, .infer = infer_expand});
WISP_REGISTER_OP({.op_type = "Tile", .min_inputs = 2, .max_inputs = 2, .infer = infer_tile});

}  // namespace wisp
