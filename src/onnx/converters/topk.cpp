// TopK before opset 10 took k as an attribute; the canonical form takes K as input 1.
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_topk(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 10) return (void)ctx.emit_as_is();
  Attributes attrs = n.attrs;
  if (!attrs.has("k")) ctx.fail_invalid("attribute k is required before opset 10");
  Value* k = ctx.const_i64({attrs.require_int("k")}, "k");
  attrs.erase("k");
  ctx.emit("TopK", {n.inputs.at(0), k}, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("TopK", convert_topk);

}  // namespace wisp
