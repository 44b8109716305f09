// Squeeze/Unsqueeze before opset 13 take `axes` as an attribute; the canonical form takes
// it as input 1 (a constant here).
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_axes_attribute_to_input(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (!n.attrs.has("axes")) {
    if (n.op_type == "Unsqueeze" && n.inputs.size() < 2) ctx.fail_invalid("Unsqueeze needs axes");
    ctx.emit_as_is();
    return;
  }
  Attributes attrs = n.attrs;
  Value* axes = ctx.ints_attr_as_input(attrs, "axes");
  ctx.emit(n.op_type, {n.inputs.at(0), axes}, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Squeeze", convert_axes_attribute_to_input);
WISP_REGISTER_ONNX_CONVERTER("Unsqueeze", convert_axes_attribute_to_input);

}  // namespace wisp
