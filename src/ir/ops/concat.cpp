// Concat and Split along one axis.
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/concat.hpp"

namespace wisp {
namespace {

void infer_concat(InferContext& ctx) {
  const Shape& first = ctx.input_shape(0);
  if (first.rank() == 0) ctx.fail_invalid("inputs must have rank >= 1");
  const int axis = resolve_axis(ctx, ctx.attrs().require_int("axis"), first.rank());
  ctx.params<ref::ConcatParams>().axis = axis;
  Shape out = first;
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input_shape(i);
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      ctx.fail_invalid(str_cat("input ", i, " has type ", dtype_name(ctx.input_dtype(i)), ", input 0 has ",
                               dtype_name(ctx.input_dtype(0))));
    bool ok = s.rank() == first.rank();
    for (int d = 0; ok && d < s.rank(); ++d) ok = d == axis || s[d] == first[d];
    if (!ok) ctx.fail_invalid(str_cat("input ", i, " has shape ", s.str(), ", which does not match input 0's ",
                                      first.str(), " outside axis ", axis));
    out[axis] = checked_add(out[axis], s[axis], "concat dim");
  }
  set_output_checked(ctx, 0, ctx.input_dtype(0), out);
}

// Sizes of each part: from the split input, the num_outputs attribute (opset 18: the last
// part may be smaller) or equal parts over the node's outputs.
std::vector<int64_t> split_sizes(const InferContext& ctx, int64_t dim, const TensorView* split) {
  const int n = ctx.num_outputs();
  std::vector<int64_t> sizes;
  if (split) {
    int64_t total = 0;
    for (int64_t i = 0; i < split->numel(); ++i) {
      const int64_t v = ref::read_index(*split, i);
      if (v < 0) ctx.fail_invalid(str_cat("split[", i, "] = ", v, " is negative"));
      sizes.push_back(v);
      total = checked_add(total, v);
    }
    if (static_cast<int>(sizes.size()) != n)
      ctx.fail_invalid(str_cat("split has ", sizes.size(), " values for ", n, " outputs"));
    if (total != dim) ctx.fail_invalid(str_cat("split sums to ", total, " but the axis has size ", dim));
    return sizes;
  }
  if (ctx.attrs().has("num_outputs")) {
    const int64_t k = ctx.attrs().require_int("num_outputs");
    if (k != n) ctx.fail_invalid(str_cat("num_outputs is ", k, " but the node has ", n, " outputs"));
    const int64_t part = (dim + k - 1) / k;
    for (int64_t i = 0; i < k; ++i) sizes.push_back(std::max<int64_t>(0, std::min(part, dim - i * part)));
    return sizes;
  }
  if (dim % n != 0) ctx.fail_invalid(str_cat("axis size ", dim, " does not split into ", n, " equal parts"));
  return std::vector<int64_t>(static_cast<size_t>(n), dim / n);
}

void infer_split(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  auto& p = ctx.params<ref::SplitParams>();
  p.axis = resolve_axis(ctx, ctx.attrs().get_int("axis", 0), in.rank());
  if (ctx.has_input(1) && !ctx.input_value(1)) {
    p.dynamic = true;
    for (int i = 0; i < ctx.num_outputs(); ++i)
      if (ctx.has_output(i)) ctx.set_output_dynamic(i, ctx.input_dtype(0));
    return;
  }
  p.sizes = split_sizes(ctx, in[p.axis], ctx.has_input(1) ? ctx.input_value(1) : nullptr);
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    Shape s = in;
    s[p.axis] = p.sizes[static_cast<size_t>(i)];
    if (ctx.has_output(i)) ctx.set_output(i, ctx.input_dtype(0), s);
  }
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Concat", .min_inputs = 1, .max_inputs = 1 << 16, .infer = infer_concat});
WISP_REGISTER_OP({.op_type = "Split", .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1 << 16,
                  .infer = infer_split});

}  // namespace wisp
