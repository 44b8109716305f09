// libFuzzer target: the package parser. Opens the input as a package with the fixed test
// keys (tests/package/package_test_util.hpp; the seed packages are signed with them), then
// decodes the manifest region directly, since after mutation the signature check stops
// almost every input before the manifest decoder would see it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "package/package.hpp"
#include "package/package_test_util.hpp"  // tests/package/

using namespace wisp::package;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const OpenOptions options = [] {
    OpenOptions o = testing::open_options();
    o.hardware = "rpi4";
    o.now_unix = 1893456000;  // 2030-01-01: fixed, so runs are reproducible
    return o;
  }();
  try {
    open_package(data, size, options);
  } catch (const wisp::Error&) {
  }
  if (size > kHeaderBytes) {
    const size_t declared = data[12] | (data[13] << 8) | (data[14] << 16) | (size_t{data[15]} << 24);
    try {
      decode_manifest(data + kHeaderBytes, std::min(declared, size - kHeaderBytes));
    } catch (const wisp::Error&) {
    }
  }
  return 0;
}
