#include "ir/ops/infer_util.hpp"

#include <string>

namespace wisp {

void require_same_dtype(const InferContext& ctx, int first, int last) {
  for (int i = first + 1; i <= last && i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input_dtype(i) != ctx.input_dtype(first))
      ctx.fail_invalid(str_cat("input ", i, " has type ", dtype_name(ctx.input_dtype(i)), " but input ", first,
                               " has type ", dtype_name(ctx.input_dtype(first)), "; they must match"));
  }
}

void require_dtype_in(const InferContext& ctx, int i, std::initializer_list<DType> allowed) {
  const DType t = ctx.input_dtype(i);
  for (DType a : allowed)
    if (a == t) return;
  std::string names;
  for (DType a : allowed) names += str_cat(names.empty() ? "" : ", ", dtype_name(a));
  ctx.fail_unsupported(str_cat("input ", i, " has type ", dtype_name(t), "; supported: ", names));
}

Shape broadcast_inputs(const InferContext& ctx) {
  Shape out;
  bool first = true;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    out = first ? ctx.input_shape(i) : broadcast_shapes(out, ctx.input_shape(i), ctx.node().label());
    first = false;
  }
  return out;
}

}  // namespace wisp
