// Internal pieces of the ONNX importer shared by its files (not a public API):
// element types, TensorProto decoding with its limits, attribute conversion and the
// recursive subgraph import that GRAPH attributes need.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "onnx/onnx_importer.hpp"

namespace onnx {
class AttributeProto;
class GraphProto;
class TypeProto;
}  // namespace onnx

namespace wisp::onnx_import {

// The highest ai.onnx opset and IR version this importer knows.
inline constexpr int kMaxOnnxOpset = 21;
inline constexpr int64_t kMinIrVersion = 3, kMaxIrVersion = 10;
// A declared dimension above this is treated as corrupt (no edge model has a 2^40 axis).
inline constexpr int64_t kMaxDeclaredDim = int64_t{1} << 40;

// ONNX TensorProto.DataType -> DType; kUnsupported naming `where` for STRING, complex,
// float8 and the like, kInvalidModel for values outside the enum.
DType dtype_from_onnx(int32_t onnx_type, const std::string& where);
// DType -> ONNX TensorProto.DataType (0 for types ONNX has no code for).
int32_t dtype_to_onnx(DType t);
const char* onnx_type_name(int32_t onnx_type);

// What decoding a tensor may touch: the folder external data is read from ("" forbids
// external data) and a running total of external bytes read, checked against the limit.
struct TensorSource {
  std::string base_dir;
  const OnnxImportOptions* options = nullptr;
  int64_t external_bytes_read = 0;
};

Tensor decode_tensor(const onnx::TensorProto& proto, TensorSource& source, const std::string& where);

// Reads a whole file after checking its size against `max_bytes` (kIo / kResourceExhausted).
std::string read_file_checked(const std::string& path, int64_t max_bytes, const char* what);

// A graph being imported and the graphs enclosing it (for subgraph outer references).
struct GraphScope {
  Graph* graph = nullptr;
  GraphScope* parent = nullptr;
  std::string where;  // "graph 'main'" or "subgraph 'then_branch' of If 'if_1'"
};

struct ImportContext {
  TensorSource tensors;
  std::map<std::string, int> opset_imports;
  int64_t ir_version = 0;
  int node_counter = 0;  // for synthesised node names
};

void convert_attribute(const onnx::AttributeProto& proto, ImportContext& ctx, GraphScope& scope,
                       const std::string& node_label, Attribute* out);

// Imports `proto` as a subgraph nested in `parent` (names not defined in it resolve to
// the enclosing graphs and are listed in Graph::outer_refs).
std::shared_ptr<Graph> import_subgraph(const onnx::GraphProto& proto, ImportContext& ctx, GraphScope& parent,
                                       const std::string& where);

}  // namespace wisp::onnx_import
