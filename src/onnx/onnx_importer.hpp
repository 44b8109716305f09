// ONNX -> Wisp IR. Parses a ModelProto (protobuf-lite classes generated from Debian's
// onnx.proto), checks it, converts every node to its canonical IR form through the
// converter table (onnx_converters.hpp), and returns a verified Model.
//
// Untrusted input: the file size is checked before reading, every tensor's declared size
// is checked (overflow-safe) against the bytes present, external-data paths must stay
// inside the model's folder, and a model with unsupported ops fails before any other work
// with ONE error listing every unsupported op type, the nodes using it and the opset.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace onnx {
class TensorProto;
}

namespace wisp {

struct OnnxImportOptions {
  int64_t max_file_bytes = int64_t{2} << 30;        // protobuf's own limit is 2 GiB
  int64_t max_external_data_bytes = int64_t{4} << 30;
  bool allow_external_data = true;
};

std::shared_ptr<Model> import_onnx_file(const std::string& path, const OnnxImportOptions& options = {});
// `base_dir` is where external data files are looked up ("" disallows external data).
std::shared_ptr<Model> import_onnx_bytes(const void* data, size_t size, const std::string& base_dir,
                                         const OnnxImportOptions& options = {});

// What can be said of a model without converting it: for `wisp inspect` on a model
// that does not import (for example because it uses unsupported ops).
struct OnnxSummary {
  int64_t ir_version = 0;
  int opset = 0;                                 // ai.onnx
  std::string producer;
  int64_t nodes = 0;                             // main graph
  std::map<std::string, int> op_histogram;       // main graph op types -> count
  std::map<std::string, std::vector<std::string>> unsupported;  // op type -> nodes (subgraphs too)
};
OnnxSummary summarize_onnx_file(const std::string& path, const OnnxImportOptions& options = {});

// A TensorProto as an owning Tensor (raw_data, typed fields or external data).
// `where` names the tensor in errors.
Tensor tensor_from_onnx(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& where);
// Reads a serialized TensorProto file (the ONNX test data's input_0.pb...). Sets `name`.
Tensor read_onnx_tensor_file(const std::string& path, std::string* name = nullptr);

}  // namespace wisp
