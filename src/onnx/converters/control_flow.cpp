// If, Loop and Scan: the values their subgraphs read from enclosing graphs become implicit
// inputs of the node (src/ir/implicit_inputs.hpp), so the runtime orders, keeps alive and
// hands over those values like any input. Scan-8 (batch axis first, `directions`,
// optional sequence_lens first input) becomes the opset-9 form plus a "batched" flag.
#include "ir/implicit_inputs.hpp"
#include "onnx/onnx_converters.hpp"

namespace wisp {
namespace {

void convert_with_implicit_inputs(ConvertContext& ctx) {
  Node* node = ctx.emit_as_is();
  append_implicit_inputs(ctx.graph(), *node);
}

void convert_scan(ConvertContext& ctx) {
  const OnnxNode& n = ctx.node();
  if (n.opset >= 9) return convert_with_implicit_inputs(ctx);
  if (n.inputs.empty()) ctx.fail_invalid("Scan-8 needs its sequence_lens input slot (it may be empty)");
  if (n.inputs[0] != nullptr)
    ctx.fail_unsupported("Scan-8 with sequence_lens (per-row lengths) is not supported; "
                         "leave it empty or export with opset 9 or newer");
  Attributes attrs = n.attrs;
  if (attrs.has("directions")) {
    attrs.set_ints("scan_input_directions", attrs.get_ints("directions"));
    attrs.erase("directions");
  }
  attrs.set_int("wisp_scan8_batched", 1);
  Node* node = ctx.emit("Scan", std::vector<Value*>(n.inputs.begin() + 1, n.inputs.end()), n.outputs, std::move(attrs));
  append_implicit_inputs(ctx.graph(), *node);
}

}  // namespace

WISP_REGISTER_ONNX_CONVERTER("If", convert_with_implicit_inputs);
WISP_REGISTER_ONNX_CONVERTER("Loop", convert_with_implicit_inputs);
WISP_REGISTER_ONNX_CONVERTER("Scan", convert_scan);

}  // namespace wisp
