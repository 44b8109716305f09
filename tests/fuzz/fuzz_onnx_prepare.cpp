// libFuzzer target: ONNX import, then Session::prepare (shape inference on concrete shapes,
// constant folding, kernel choice, memory plan), where malformed-model bugs of other
// runtimes live (rank mismatches, out-of-range indices in constants, huge shapes).
// Symbolic dims are bound to 1. Anything but a wisp::Error is a finding.
#include <cstddef>
#include <cstdint>

#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"
#include "wisp/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::shared_ptr<wisp::Model> model = wisp::import_onnx_bytes(data, size, "");
    wisp::SessionConfig config;
    config.default_symbolic_dim = 1;
    wisp::Session session(model, config);
    session.prepare({});
  } catch (const wisp::Error&) {
  }
  return 0;
}
