// libFuzzer target: the ONNX importer on arbitrary bytes (no external data). Anything but
// a wisp::Error (a crash, a sanitizer report, another exception, an allocation over
// libFuzzer's -malloc_limit_mb) is a finding.
#include <cstddef>
#include <cstdint>

#include "onnx/onnx_importer.hpp"
#include "wisp/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    wisp::import_onnx_bytes(data, size, "");
  } catch (const wisp::Error&) {
  }
  return 0;
}
