// Binary ops before opset 7 (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less)
// broadcast only when `broadcast`=1, and then B's dims matched A's starting at `axis`
// (default: B aligned to A's trailing dims). Since opset 7 they broadcast like NumPy,
// which is a superset, except that an explicit axis may place B's dims earlier than the
// trailing ones: then B gets trailing size-1 dims so NumPy alignment puts them at `axis`.
// `consumed_inputs` (opset < 6) is an in-place hint with no meaning for Wisp: dropped.
// PRelu before opset 7 applied a 1-D slope per channel (dim 1), which needs the same
// trailing-ones rewrite.
#include "onnx/converters/elementwise_convert_util.hpp"

namespace wisp {
namespace {

Attributes without_legacy_attrs(const Attributes& attrs) {
  Attributes out = attrs;
  out.erase("broadcast");
  out.erase("axis");
  out.erase("consumed_inputs");
  return out;
}

void convert_legacy_binary(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 7) {
    ctx.emit_as_is();
    return;
  }
  if (n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) ctx.fail_invalid("expects two inputs");
  Value* b = n.inputs[1];
  const Attribute* axis_attr = n.attrs.find("axis");
  if (n.attrs.get_int("broadcast", 0) != 0 && axis_attr) {
    const int rank_a = value_rank(n.inputs[0]), rank_b = value_rank(b);
    if (rank_a < 0 || rank_b < 0)
      ctx.fail_unsupported("legacy broadcast with an explicit axis needs the ranks of both inputs, which are unknown here");
    const int axis = Shape::normalize_axis(axis_attr->i, rank_a, "axis");
    if (axis + rank_b > rank_a)
      ctx.fail_invalid(str_cat("axis ", axis_attr->i, " places B (rank ", rank_b, ") past the end of A (rank ", rank_a, ")"));
    b = append_unit_dims(ctx, b, rank_b, rank_a - axis, "B_aligned");
  }
  ctx.emit(n.op_type, {n.inputs[0], b}, n.outputs, without_legacy_attrs(n.attrs));
}

void convert_prelu(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 7) {
    ctx.emit_as_is();
    return;
  }
  if (n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) ctx.fail_invalid("expects two inputs");
  Value* slope = n.inputs[1];
  const int rank_x = value_rank(n.inputs[0]), rank_s = value_rank(slope);
  const bool single = slope->is_constant() && slope->constant->numel() == 1;
  if (!single && rank_s == 1 && rank_x != 1) {
    if (rank_x < 0) ctx.fail_unsupported("per-channel slope needs the rank of X, which is unknown here");
    slope = append_unit_dims(ctx, slope, 1, rank_x - 1, "slope_per_channel");
  }
  ctx.emit("PRelu", {n.inputs[0], slope}, n.outputs, without_legacy_attrs(n.attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Add", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Sub", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Mul", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Div", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Pow", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("And", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Or", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Xor", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Equal", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Greater", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("Less", convert_legacy_binary);
WISP_REGISTER_ONNX_CONVERTER("PRelu", convert_prelu);

}  // namespace wisp
