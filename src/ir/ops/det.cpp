// Det: determinant of the trailing [M, M] matrices of a [..., M, M] tensor.
#include "ir/ops/infer_util.hpp"

namespace wisp {
namespace {

void infer_det(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  const Shape& x = ctx.input_shape(0);
  if (x.rank() < 2 || x[x.rank() - 1] != x[x.rank() - 2])
    ctx.fail_invalid(str_cat("input must be [..., M, M], got ", x.str()));
  Shape y;
  for (int i = 0; i < x.rank() - 2; ++i) y.push_back(x[i]);
  const int64_t m = x[x.rank() - 1];
  ctx.request_scratch(checked_mul(checked_mul(m, m), 8));  // one matrix in double for elimination
  ctx.set_output(0, ctx.input_dtype(0), y);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Det", .infer = infer_det});

}  // namespace wisp
