// EyeLike's `dtype` attribute is an ONNX TensorProto.DataType code; the IR op takes a
// Wisp DType code, so the mapping to Wisp's types lives here, with the importer.
#include "onnx/onnx_converters.hpp"
#include "onnx/onnx_import_internal.hpp"

namespace wisp {
namespace {

void convert_eye_like(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  Attributes attrs = n.attrs;
  if (attrs.has("dtype")) {
    const DType t = onnx_import::dtype_from_onnx(static_cast<int32_t>(attrs.require_int("dtype")),
                                                 str_cat("EyeLike '", n.name, "' dtype"));
    attrs.set_int("dtype", static_cast<int64_t>(t));
  }
  ctx.emit(n.op_type, n.inputs, n.outputs, std::move(attrs));
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("EyeLike", convert_eye_like);

}  // namespace wisp
