// Softmax, LogSoftmax, Hardmax over one axis (default -1), the opset-13 form.
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/softmax.hpp"

namespace wisp {
namespace {

template <ref::SoftmaxKind kKind>
void infer_softmax(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  const Shape& in = ctx.input_shape(0);
  if (in.rank() == 0) ctx.fail_invalid("input must have rank >= 1");
  const int axis = in.axis(ctx.attrs().get_int("axis", -1));
  auto& p = ctx.params<ref::SoftmaxParams>();
  p.kind = kKind;
  p.outer = in.numel(0, axis);
  p.axis_dim = in[axis];
  p.inner = in.numel(axis + 1, in.rank());
  infer_same_as_input0(ctx);
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Softmax", .infer = infer_softmax<ref::SoftmaxKind::kSoftmax>, .inplace_input = 0});
WISP_REGISTER_OP({.op_type = "LogSoftmax", .infer = infer_softmax<ref::SoftmaxKind::kLogSoftmax>, .inplace_input = 0});
WISP_REGISTER_OP({.op_type = "Hardmax", .infer = infer_softmax<ref::SoftmaxKind::kHardmax>, .inplace_input = 0});

}  // namespace wisp
