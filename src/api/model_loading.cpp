#include "api/model_loading.hpp"

#include <cstdio>
#include <cstring>

#include "core/status.hpp"
#include "onnx/onnx_importer.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif

namespace wisp {

namespace {

#ifndef WISP_WITH_FORMAT
[[noreturn]] void no_format_support(const std::string& what) {
  fail(ErrorCode::kUnsupported, what, " is a .wisp model, but this build has no .wisp support (WISP_WITH_FORMAT=OFF)");
}
#endif

bool bytes_look_like_wisp(const void* data, size_t size) {
  // Same test as format::looks_like_wisp, repeated so builds without the format can say why.
  return size >= 8 && std::memcmp(static_cast<const char*>(data) + 4, "WISP", 4) == 0;
}

}  // namespace

bool is_wisp_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  char head[8];
  return std::fread(head, 1, 8, f.get()) == 8 && bytes_look_like_wisp(head, 8);
}

LoadedModel load_model_file(const std::string& path) {
  if (!is_wisp_file(path)) return LoadedModel{import_onnx_file(path), ModelFormat::kOnnx};
#ifdef WISP_WITH_FORMAT
  return LoadedModel{format::load_wisp_file(path).model, ModelFormat::kWisp};
#else
  no_format_support(str_cat("'", path, "'"));
#endif
}

LoadedModel load_model_memory(const void* data, size_t size) {
  WISP_CHECK(data != nullptr || size == 0, ErrorCode::kInvalidArgument, "load_model_memory: null data");
  if (!bytes_look_like_wisp(data, size)) return LoadedModel{import_onnx_bytes(data, size, ""), ModelFormat::kOnnx};
#ifdef WISP_WITH_FORMAT
  return LoadedModel{format::load_wisp_copy(data, size).model, ModelFormat::kWisp};
#else
  no_format_support("the buffer");
#endif
}

}  // namespace wisp
