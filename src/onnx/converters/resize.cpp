// Resize-10 and Upsample-7/9 become the canonical Resize (opset 19 form):
//   Resize-10(X, scales)             -> Resize(X, "", scales)  asymmetric coordinates
//   Upsample-9(X, scales)            -> same
//   Upsample-7(X) scales attribute   -> same, scales a constant input
// These old forms use asymmetric coordinates and, for nearest, round down (ONNX Runtime's
// behaviour for upsampling). Resize-11..18 already have the canonical inputs; an empty
// roi/scales tensor there counts as absent.
#include <string>

#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void emit_asymmetric_resize(ConvertContext& ctx, Value* scales) {
  const OnnxNode& n = ctx.node();
  Attributes attrs;
  std::string mode = n.attrs.get_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-1 spelling
  if (mode != "nearest" && mode != "linear") ctx.fail_unsupported("mode '" + mode + "' is not supported");
  attrs.set_string("mode", mode);
  attrs.set_string("coordinate_transformation_mode", "asymmetric");
  attrs.set_string("nearest_mode", "floor");
  ctx.emit("Resize", {n.inputs.at(0), nullptr, scales}, n.outputs, std::move(attrs));
}

void convert_resize(ConvertContext& ctx) {
  if (ctx.node().opset >= 11) return (void)ctx.emit_as_is();
  if (ctx.node().inputs.size() < 2 || !ctx.node().inputs[1]) ctx.fail_invalid("scales input is required");
  emit_asymmetric_resize(ctx, ctx.node().inputs[1]);
}

void convert_upsample(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.inputs.size() >= 2 && n.inputs[1]) return emit_asymmetric_resize(ctx, n.inputs[1]);
  if (!n.attrs.has("scales")) ctx.fail_invalid("scales (attribute before opset 9, input since) is required");
  const std::vector<float> s = n.attrs.get_floats("scales");
  Tensor t(DType::kF32, Shape{static_cast<int64_t>(s.size())});
  for (size_t i = 0; i < s.size(); ++i) t.as<float>()[i] = s[i];
  emit_asymmetric_resize(ctx, ctx.const_tensor(std::move(t), "scales"));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("Resize", convert_resize);
WISP_REGISTER_ONNX_CONVERTER("Upsample", convert_upsample);

}  // namespace wisp
