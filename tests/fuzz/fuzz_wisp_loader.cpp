// libFuzzer target: the .wisp loader (src/format) on untrusted bytes.
//
// The first input byte picks the mode; the rest is the payload:
//   even: the payload is a whole .wisp file, loaded from memory. Random bytes mostly stop
//         at the identifier, header probe or FlatBuffers verifier: this mode tests that
//         the verifier gate holds.
//   odd:  the payload is a list of 3-byte patches (16-bit offset, new byte) applied to a
//         valid .wisp built at start-up. Most patched files still pass the FlatBuffers
//         verifier (it checks structure only), so this mode reaches the checks BEHIND the
//         verifier: semantic checks, IR building and the IR verifier.
// Either way the only acceptable outcomes are a loaded model or a wisp::Error; anything
// else (crash, sanitizer report, another exception type) is a finding. Seeds: .wisp files
// written by `wisp convert` (prefix them with a 0 byte).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/tensor.hpp"
#include "format/wisp_format.hpp"
#include "ir/graph.hpp"
#include "wisp/error.hpp"

namespace {

// x[1,4] -> Add(w) -> Relu -> y, with a 64-byte-aligned weight in the data section.
std::vector<std::byte> make_seed() {
  wisp::Model m;
  wisp::Graph& g = m.graph;
  g.opset_imports[""] = 21;
  wisp::Value* x = g.add_value("x");
  x->dtype = wisp::DType::kF32;
  x->shape = wisp::SymShape{{1, ""}, {4, ""}};
  g.inputs.push_back(x);
  wisp::Value* w = g.add_constant("w", wisp::Tensor::from<float>({1, 4}, {1, -2, 3, -4}));
  wisp::Value* s = g.add_value("s");
  wisp::Value* y = g.add_value("y");
  g.add_node("Add", "add", {x, w}, {s})->opset = 21;
  g.add_node("Relu", "relu", {s}, {y})->opset = 21;
  g.outputs.push_back(y);
  return wisp::format::serialize_wisp(m, {}, nullptr);
}

void load(const void* data, size_t size) {
  try {
    wisp::format::LoadOptions options;
    options.limits.max_file_bytes = 1 << 24;
    wisp::format::LoadedWisp w = wisp::format::load_wisp_copy(data, size, options);
    (void)w;
  } catch (const wisp::Error&) {
    // Rejected with a typed error: the expected outcome for malformed input.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  ++data;
  --size;
  if ((mode & 1) == 0) {
    load(data, size);
    return 0;
  }
  static const std::vector<std::byte> seed = make_seed();
  std::vector<std::byte> file = seed;
  for (size_t i = 0; i + 3 <= size; i += 3) {
    const size_t at = (size_t{data[i]} | size_t{data[i + 1]} << 8) % file.size();
    file[at] = static_cast<std::byte>(data[i + 2]);
  }
  load(file.data(), file.size());
  return 0;
}
