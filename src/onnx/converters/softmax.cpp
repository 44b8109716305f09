// Softmax/LogSoftmax/Hardmax before opset 13 coerce the input to 2-D at `axis` (default 1)
// and normalise over the whole second dimension. Rewritten to the per-axis form:
//   Flatten(axis) -> op(axis=1) -> Reshape(to Shape(input))
// When axis is already the last dim the two forms agree and the node is kept as it is.
#include <string>

#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_softmax(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 13) return (void)ctx.emit_as_is();
  const int64_t axis = n.attrs.get_int("axis", 1);
  Value* x = n.inputs.at(0);
  // Known rank and axis == rank-1 (or -1): the coerced and per-axis forms are the same.
  const bool last_axis = axis == -1 || (x->shape && axis == static_cast<int64_t>(x->shape->size()) - 1);
  if (last_axis) {
    Attributes attrs = n.attrs;
    attrs.set_int("axis", -1);
    ctx.emit(n.op_type, {x}, n.outputs, std::move(attrs));
    return;
  }
  Value* flat = ctx.temp("flat");
  Attributes flatten_attrs;
  flatten_attrs.set_int("axis", axis);
  ctx.emit("Flatten", {x}, {flat}, std::move(flatten_attrs), "/flatten");
  Value* y2d = ctx.temp("2d");
  Attributes op_attrs;
  op_attrs.set_int("axis", 1);
  ctx.emit(n.op_type, {flat}, {y2d}, std::move(op_attrs));
  Value* shape = ctx.temp("shape");
  ctx.emit("Shape", {x}, {shape}, {}, "/shape");
  ctx.emit("Reshape", {y2d, shape}, n.outputs, {}, "/reshape");
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Softmax", convert_softmax);
WISP_REGISTER_ONNX_CONVERTER("LogSoftmax", convert_softmax);
WISP_REGISTER_ONNX_CONVERTER("Hardmax", convert_softmax);

}  // namespace wisp
