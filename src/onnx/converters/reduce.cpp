// Reduce*: before opset 18 (ReduceSum: 13) `axes` was an attribute; the canonical form
// takes it as the optional input 1, so an attribute becomes a constant input.
#include <string>

#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_reduce(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (!n.attrs.has("axes")) return (void)ctx.emit_as_is();
  if (n.inputs.size() > 1 && n.inputs[1] != nullptr) ctx.fail_invalid("axes given both as attribute and input");
  Attributes attrs = n.attrs;
  Value* axes = ctx.ints_attr_as_input(attrs, "axes");
  ctx.emit(n.op_type, {n.inputs.at(0), axes}, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("ReduceSum", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceSumSquare", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceMean", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceMax", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceMin", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceProd", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceL1", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceL2", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceLogSum", convert_reduce);
WISP_REGISTER_ONNX_CONVERTER("ReduceLogSumExp", convert_reduce);

}  // namespace wisp
