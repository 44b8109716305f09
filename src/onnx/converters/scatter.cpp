// Scatter (deprecated in opset 11) is ScatterElements under its old name.
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_scatter(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  ctx.emit("ScatterElements", n.inputs, n.outputs, n.attrs);
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Scatter", convert_scatter);

}  // namespace wisp
