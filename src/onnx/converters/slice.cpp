// Slice before opset 10 takes starts/ends/axes as attributes; the canonical form takes
// them (and steps) as inputs 1..4 (constants here).
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_slice(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 10) {
    ctx.emit_as_is();
    return;
  }
  if (!n.attrs.has("starts") || !n.attrs.has("ends")) ctx.fail_invalid("Slice needs starts and ends attributes");
  std::vector<Value*> inputs = {n.inputs.at(0), ctx.const_i64(n.attrs.get_ints("starts"), "starts"),
                                ctx.const_i64(n.attrs.get_ints("ends"), "ends")};
  if (n.attrs.has("axes")) inputs.push_back(ctx.const_i64(n.attrs.get_ints("axes"), "axes"));
  ctx.emit("Slice", std::move(inputs), n.outputs, Attributes{});
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Slice", convert_slice);

}  // namespace wisp
