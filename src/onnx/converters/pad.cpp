// Pad before opset 11 takes `pads` as an attribute (and `value` as a float attribute);
// the canonical form takes pads as input 1. The float `value` stays an attribute (the
// constant input would need the data's type, unknown here); Pad reads it when input 2
// is absent.
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_pad(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 11) {
    ctx.emit_as_is();
    return;
  }
  if (!n.attrs.has("pads")) ctx.fail_invalid("Pad needs the pads attribute");
  Attributes attrs = n.attrs;
  Value* pads = ctx.ints_attr_as_input(attrs, "pads");
  ctx.emit("Pad", {n.inputs.at(0), pads}, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Pad", convert_pad);

}  // namespace wisp
