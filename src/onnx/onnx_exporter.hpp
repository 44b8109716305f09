// Wisp IR -> ONNX ModelProto: the inverse of the importer, for graphs in standard ONNX form
// (imported models, and what `wisp optimize` produces before the Wisp-specific fusions:
// QDQ-quantized, FP16-weight, INT4-weight or pruned graphs).
//
// The IR holds every op in its canonical (newest-opset) form: the importer rewrote older
// forms (Squeeze-11's axes attribute became an input, and so on). A model has one opset per
// domain, so the exported ai.onnx opset is the highest one any node needs: the model's own
// opset, raised where a node's canonical form only exists from a later opset (e.g. an
// opset-13 ReduceMean whose axes are now an input needs opset 18). Where raising the opset
// would change the meaning of an attribute default (GridSample mode, RoiAlign coordinate
// mode, BatchNormalization's pre-9 attributes) the exporter writes the old meaning out
// explicitly, or refuses.
//
// Refused with kUnsupported (naming the node): wisp_* attributes of the optimizer's fusions
// (export before them: `wisp optimize` does), Scan-8's batched form, and element types ONNX
// cannot hold. Implicit inputs of If/Loop/Scan (src/ir/implicit_inputs.hpp) are dropped
// again: in ONNX the subgraphs read those values by name.
#pragma once
#include <memory>
#include <string>

#include "ir/graph.hpp"

namespace wisp {

struct OnnxExportOptions {
  // The ai.onnx opset written is at least this (e.g. 21 for INT4 DequantizeLinear).
  int min_opset = 0;
  // value_info entries for intermediate values: types and shapes declared in the IR, else
  // found by preparing a Session on the declared input shapes (symbolic dims left unknown).
  bool write_value_info = true;
};

// The serialized ModelProto.
std::string export_onnx_bytes(const Model& model, const OnnxExportOptions& options = {});
// Writes the ModelProto to `path` (kIo on failure).
void export_onnx(const Model& model, const std::string& path, const OnnxExportOptions& options = {});
// The ai.onnx opset export_onnx would write for `model`.
int onnx_export_opset(const Model& model, const OnnxExportOptions& options = {});

}  // namespace wisp
