// Split before opset 13 takes `split` as an attribute; the canonical form takes it as
// input 1 (a constant here).
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_split(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (!n.attrs.has("split")) {
    ctx.emit_as_is();
    return;
  }
  Attributes attrs = n.attrs;
  Value* split = ctx.ints_attr_as_input(attrs, "split");
  ctx.emit("Split", {n.inputs.at(0), split}, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Split", convert_split);

}  // namespace wisp
