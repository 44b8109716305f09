// Clip before opset 11 took min/max as float attributes; since 11 they are optional
// inputs of X's type. Old forms get constant inputs (of X's type when the importer knows
// it, else f32: the Clip kernel converts a bound of another type).
#include "onnx/converters/elementwise_convert_util.hpp"

namespace wisp {
namespace {

void convert_clip(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 11) {
    ctx.emit_as_is();
    return;
  }
  if (n.inputs.empty() || !n.inputs[0]) ctx.fail_invalid("input X is missing");
  const DType t = n.inputs[0]->dtype;
  std::vector<Value*> inputs = {n.inputs[0], nullptr, nullptr};
  if (const Attribute* a = n.attrs.find("min")) inputs[1] = scalar_constant(ctx, t, a->f, "min");
  if (const Attribute* a = n.attrs.find("max")) inputs[2] = scalar_constant(ctx, t, a->f, "max");
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  ctx.emit("Clip", std::move(inputs), n.outputs, {});
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Clip", convert_clip);

}  // namespace wisp
