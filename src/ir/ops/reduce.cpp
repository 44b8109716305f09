// Reductions over a set of axes (ReduceSum ... ReduceLogSumExp) and ArgMax/ArgMin.
// Canonical form: axes is the optional input 1 for every Reduce* op (the ONNX form since
// opset 18, ReduceSum since 13); the converter moves older `axes` attributes there.
// Empty or absent axes reduce everything, unless noop_with_empty_axes=1 (then the op is
// an identity). Reducing an empty set gives the op's identity (0, 1, -inf, +inf...).
#include <vector>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/reduce.hpp"

namespace wisp {
namespace {

using ref::ReduceKind;

template <ReduceKind kKind>
void infer_reduce(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const DType t = ctx.input_dtype(0);
  if (t == DType::kBool || t == DType::kString || t == DType::kUndefined)
    ctx.fail_unsupported(str_cat("input type ", dtype_name(t), " is not supported"));
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) axes = ctx.input_ints(1, "axes");
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  auto& p = ctx.params<ref::ReduceParams>();
  p.kind = kKind;
  if (axes.empty() && ctx.attrs().get_int("noop_with_empty_axes", 0) != 0) {
    p.noop = true;
    ctx.set_output(0, t, in);
    return;
  }
  bool reduce_axis[kMaxRank] = {};
  for (int64_t a : axes) {
    const int ax = in.axis(a, "axes");
    if (reduce_axis[ax]) ctx.fail_invalid(str_cat("axis ", a, " is listed twice in axes"));
    reduce_axis[ax] = true;
  }
  if (axes.empty())
    for (int i = 0; i < in.rank(); ++i) reduce_axis[i] = true;
  ref::split_axes(in, reduce_axis, p.kept, p.reduced);
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (!reduce_axis[i]) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  ctx.set_output(0, t, out);
}

template <bool kIsMax>
void infer_arg_reduce(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const DType t = ctx.input_dtype(0);
  if (t == DType::kBool || t == DType::kString || t == DType::kUndefined)
    ctx.fail_unsupported(str_cat("input type ", dtype_name(t), " is not supported"));
  const int axis = in.axis(ctx.attrs().get_int("axis", 0));
  if (in[axis] == 0) ctx.fail_invalid(str_cat("cannot take the arg-extremum of an empty axis ", axis));
  auto& p = ctx.params<ref::ArgReduceParams>();
  p.is_max = kIsMax;
  p.select_last_index = ctx.attrs().get_int("select_last_index", 0) != 0;
  p.outer = in.numel(0, axis);
  p.axis_dim = in[axis];
  p.inner = in.numel(axis + 1, in.rank());
  Shape out;
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  for (int i = 0; i < in.rank(); ++i) {
    if (i != axis) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  ctx.set_output(0, DType::kI64, out);
}

}  // namespace

#define WISP_REDUCE_OP(name, kind) \
  WISP_REGISTER_OP({.op_type = name, .min_inputs = 1, .max_inputs = 2, .infer = infer_reduce<ReduceKind::kind>})
WISP_REDUCE_OP("ReduceSum", kSum);
WISP_REDUCE_OP("ReduceSumSquare", kSumSquare);
WISP_REDUCE_OP("ReduceMean", kMean);
WISP_REDUCE_OP("ReduceMax", kMax);
WISP_REDUCE_OP("ReduceMin", kMin);
WISP_REDUCE_OP("ReduceProd", kProd);
WISP_REDUCE_OP("ReduceL1", kL1);
WISP_REDUCE_OP("ReduceL2", kL2);
WISP_REDUCE_OP("ReduceLogSum", kLogSum);
WISP_REDUCE_OP("ReduceLogSumExp", kLogSumExp);
#undef WISP_REDUCE_OP

WISP_REGISTER_OP({.op_type = "ArgMax", .infer = infer_arg_reduce<true>});
WISP_REGISTER_OP({.op_type = "ArgMin", .infer = infer_arg_reduce<false>});

}  // namespace wisp
