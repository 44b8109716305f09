// The normalisation ops (inference forms): BatchNormalization, InstanceNormalization,
// GroupNormalization, LayerNormalization, LRN and MeanVarianceNormalization.
#include <algorithm>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/normalization.hpp"

namespace wisp {
namespace {

constexpr std::initializer_list<DType> kFloatTypes = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16};

void require_numel(const InferContext& ctx, int i, int64_t n, const char* what) {
  if (ctx.has_input(i) && ctx.input_shape(i).numel() != n)
    ctx.fail_invalid(str_cat(what, " must have ", n, " elements, got shape ", ctx.input_shape(i).str()));
}

void infer_batch_norm(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  for (int i = 1; i <= 4; ++i) require_dtype_in(ctx, i, kFloatTypes);
  if (ctx.attrs().get_int("training_mode", 0) != 0)
    ctx.fail_unsupported("training_mode=1 is not supported (Wisp runs inference; export the model in eval mode)");
  if (ctx.opset() < 7 && ctx.attrs().get_int("is_test", 0) == 0 && ctx.num_outputs() > 1 && ctx.has_output(1))
    ctx.fail_unsupported("is_test=0 with training outputs is not supported (Wisp runs inference)");
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() < 2) ctx.fail_invalid(str_cat("X must be [N, C, ...], got ", xs.str()));
  ref::BatchNormParams& p = ctx.params<ref::BatchNormParams>();
  // Opset < 9 with spatial=0 keeps one statistic per activation ([C, D1, ...]).
  const bool per_activation = ctx.opset() < 9 && ctx.attrs().get_int("spatial", 1) == 0;
  p.batch = xs[0];
  p.stat_count = per_activation ? xs.numel(1, xs.rank()) : xs[1];
  p.inner = per_activation ? 1 : xs.numel(2, xs.rank());
  p.epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  const char* names[] = {"", "scale", "B", "input_mean", "input_var"};
  for (int i = 1; i <= 4; ++i) require_numel(ctx, i, p.stat_count, names[i]);
  ctx.set_output(0, ctx.input_dtype(0), xs);
  // In inference the optional statistics outputs (older opsets) are the inputs' statistics.
  for (int i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i)) ctx.set_output(i, ctx.input_dtype(i <= 2 ? i + 2 : i), ctx.input_shape(i <= 2 ? i + 2 : i));
  ctx.request_scratch(checked_mul(p.stat_count, 2 * 8));
}

void infer_instance_norm(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  require_same_dtype(ctx, 0, 2);
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() < 3) ctx.fail_invalid(str_cat("input must be [N, C, D...], got ", xs.str()));
  ref::GroupNormParams& p = ctx.params<ref::GroupNormParams>();
  p.batch = xs[0];
  p.groups = xs[1];
  p.channels_per_group = 1;
  p.inner = xs.numel(2, xs.rank());
  p.epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  require_numel(ctx, 1, xs[1], "scale");
  require_numel(ctx, 2, xs[1], "B");
  ctx.set_output(0, ctx.input_dtype(0), xs);
}

void infer_group_norm(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  require_same_dtype(ctx, 0, 2);
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() < 2) ctx.fail_invalid(str_cat("input must be [N, C, ...], got ", xs.str()));
  const int64_t groups = ctx.attrs().require_int("num_groups");
  if (groups < 1 || xs[1] % groups != 0)
    ctx.fail_invalid(str_cat("num_groups=", groups, " must divide the channel count ", xs[1]));
  if (ctx.attrs().get_int("stash_type", 1) != 1) ctx.fail_unsupported("only stash_type=1 (float) is supported");
  ref::GroupNormParams& p = ctx.params<ref::GroupNormParams>();
  p.batch = xs[0];
  p.groups = groups;
  p.channels_per_group = xs[1] / groups;
  p.inner = xs.numel(2, xs.rank());
  p.epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  // Opset 18 has one scale/bias per group, opset 21 one per channel (the same when equal).
  const int64_t n = ctx.input_shape(1).numel();
  p.affine_per_group = n == groups && groups != xs[1];
  if (n != xs[1] && n != groups) ctx.fail_invalid("scale must have C or num_groups elements");
  require_numel(ctx, 2, n, "bias");
  ctx.set_output(0, ctx.input_dtype(0), xs);
}

void infer_layer_norm(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  require_same_dtype(ctx, 0, 2);
  const Shape& xs = ctx.input_shape(0);
  const int axis = Shape::normalize_axis(ctx.attrs().get_int("axis", -1), xs.rank(), "axis");
  ref::LayerNormParams& p = ctx.params<ref::LayerNormParams>();
  p.outer = xs.numel(0, axis);
  p.block = xs.numel(axis, xs.rank());
  p.epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  // Scale and B broadcast to X.shape[axis:]; supported when they match its trailing dims.
  auto trailing_numel = [&](int i, const char* what) -> int64_t {
    const Shape& s = ctx.input_shape(i);
    int lead = 0;
    while (lead < s.rank() && s[lead] == 1) ++lead;
    const int k = s.rank() - lead;
    bool ok = k <= xs.rank() - axis;
    for (int d = 0; ok && d < k; ++d) ok = s[lead + d] == xs[xs.rank() - k + d];
    if (!ok) ctx.fail_unsupported(str_cat(what, " ", s.str(), " must equal trailing dims of X.shape[axis:] (X ", xs.str(), ")"));
    return s.numel();
  };
  p.scale_numel = trailing_numel(1, "scale");
  p.bias_numel = ctx.has_input(2) ? trailing_numel(2, "B") : 0;
  ctx.set_output(0, ctx.input_dtype(0), xs);
  const int64_t stash = ctx.attrs().get_int("stash_type", 1);
  const DType stat_type = stash == 1 ? DType::kF32 : ctx.input_dtype(0);
  Shape stat_shape = xs;
  for (int d = axis; d < xs.rank(); ++d) stat_shape[d] = 1;
  if (ctx.num_outputs() > 1 && ctx.has_output(1)) ctx.set_output(1, stat_type, stat_shape);
  if (ctx.num_outputs() > 2 && ctx.has_output(2)) ctx.set_output(2, stat_type, stat_shape);
}

void infer_lrn(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  const Shape& xs = ctx.input_shape(0);
  if (xs.rank() < 3) ctx.fail_invalid(str_cat("input must be [N, C, D...], got ", xs.str()));
  ref::LrnParams& p = ctx.params<ref::LrnParams>();
  p.batch = xs[0];
  p.channels = xs[1];
  p.inner = xs.numel(2, xs.rank());
  p.size = ctx.attrs().require_int("size");
  if (p.size < 1) ctx.fail_invalid("size must be >= 1");
  p.alpha = ctx.attrs().get_float("alpha", 1e-4f);
  p.beta = ctx.attrs().get_float("beta", 0.75f);
  p.bias = ctx.attrs().get_float("bias", 1.0f);
  ctx.set_output(0, ctx.input_dtype(0), xs);
}

void infer_mvn(InferContext& ctx) {
  require_dtype_in(ctx, 0, kFloatTypes);
  const Shape& xs = ctx.input_shape(0);
  ref::MvnParams& p = ctx.params<ref::MvnParams>();
  p = ref::MvnParams{};
  p.shape = xs;
  for (int64_t a : ctx.attrs().get_ints("axes", {0, 2, 3})) p.reduced[Shape::normalize_axis(a, xs.rank(), "axes")] = true;
  for (int d = 0; d < xs.rank(); ++d)
    if (!p.reduced[d]) p.groups = checked_mul(p.groups, xs[d]);
  ctx.set_output(0, ctx.input_dtype(0), xs);
  ctx.request_scratch(checked_mul(p.groups, 3 * 8));  // sum, sum of squares, count
}

}  // namespace

WISP_REGISTER_OP({.op_type = "BatchNormalization", .min_inputs = 5, .max_inputs = 5, .min_outputs = 1,
                  .max_outputs = 5, .infer = infer_batch_norm});
WISP_REGISTER_OP({.op_type = "InstanceNormalization", .min_inputs = 3, .max_inputs = 3, .infer = infer_instance_norm});
WISP_REGISTER_OP({.op_type = "GroupNormalization", .min_inputs = 3, .max_inputs = 3, .infer = infer_group_norm});
WISP_REGISTER_OP({.op_type = "LayerNormalization", .min_inputs = 2, .max_inputs = 3, .min_outputs = 1,
                  .max_outputs = 3, .infer = infer_layer_norm});
WISP_REGISTER_OP({.op_type = "LRN", .infer = infer_lrn});
WISP_REGISTER_OP({.op_type = "MeanVarianceNormalization", .infer = infer_mvn});

}  // namespace wisp
