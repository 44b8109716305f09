// make_package_seeds DIR [MODEL...]: writes a few small packages signed with the fixed test
// keys (clear, encrypted for one and for two devices, with every policy field set) and one
// package per MODEL, as the seed corpus of fuzz_package_parser.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "package/package.hpp"
#include "package/package_test_util.hpp"  // tests/package/

using namespace wisp::package;

namespace {

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_package_seeds DIR [MODEL...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const SigningSecretKey signer = testing::publisher();
  int n = 0;
  for (size_t size : {size_t{0}, size_t{100}, size_t{2500}}) {
    const auto payload = testing::payload_bytes(size);
    PackOptions o = testing::base_options();
    o.chunk_bytes = 1024;
    write(dir + "/clear_" + std::to_string(size) + ".wpkg", create_package(payload.data(), size, o, signer));
    o.hardware = "rpi4";
    o.expires_unix = 1900000000;
    o.min_runtime = SemVer{0, 1, 0};
    o.recipients = {testing::device().public_key()};
    write(dir + "/enc1_" + std::to_string(size) + ".wpkg", create_package(payload.data(), size, o, signer));
    o.recipients.push_back(testing::other_device().public_key());
    write(dir + "/enc2_" + std::to_string(size) + ".wpkg", create_package(payload.data(), size, o, signer));
    n += 3;
  }
  for (int i = 2; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    const std::vector<uint8_t> model((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (model.size() > (1u << 20)) continue;  // keep the corpus small and fast
    PackOptions o = testing::base_options();
    o.recipients = {testing::device().public_key()};
    write(dir + "/model_" + std::to_string(i - 1) + ".wpkg", create_package(model.data(), model.size(), o, signer));
    ++n;
  }
  std::printf("%d seed packages in %s\n", n, dir.c_str());
  return 0;
}
