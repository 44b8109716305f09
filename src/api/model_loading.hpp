// Loading a model whatever its format: a .wisp file is recognised by its content (the
// FlatBuffers identifier "WISP" at byte 4), never by its file name; anything else is read
// as ONNX. Used by wisp::api::Model and the CLI.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "ir/graph.hpp"

namespace wisp {

enum class ModelFormat { kOnnx, kWisp };

struct LoadedModel {
  std::shared_ptr<Model> model;
  ModelFormat format = ModelFormat::kOnnx;
};

// .wisp files are mapped read-only and their weights used in place; ONNX files imported.
LoadedModel load_model_file(const std::string& path);
// From memory: the bytes are copied where needed, the caller may free them on return.
// ONNX from memory cannot refer to external data files.
LoadedModel load_model_memory(const void* data, size_t size);
// True for a .wisp file (by content). False if it cannot be read.
bool is_wisp_file(const std::string& path);

}  // namespace wisp
