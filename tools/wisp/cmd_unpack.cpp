// `wisp unpack PKG ... -o OUT`: verify, decrypt in memory, write the plaintext only to -o.
#include <cstdio>

#include "package_cli.hpp"

namespace wisp::cli {

using namespace wisp::package;

int cmd_unpack(const std::vector<std::string>& argv) {
  std::vector<std::string> with_value = kOpenValueOptions;
  with_value.push_back("output");
  Args args(expand_short_output(argv), with_value, {"help"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp unpack PKG --trust PUBLISHER.sign.pub [--device-key DEVICE.box.key]\n"
        "                   [--hardware TAG] [--min-counter N] [--now YYYY-MM-DD] -o MODEL\n\n"
        "Verifies like `wisp verify`, decrypts in memory, and writes the model to MODEL (a new\n"
        "file, mode 0600; never overwritten). Without -o nothing is written.\n",
        stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one PKG file"};
  if (!args.has("output")) throw UsageError{"-o OUT is required: plaintext is written only where asked"};
  const OpenOptions o = open_options_from(args);
  const std::vector<uint8_t> bytes = read_package_file(args.positional()[0]);
  const OpenedPackage p = open_package(bytes.data(), bytes.size(), o);
  const std::string out = args.get("output");
  write_new_file(out, p.payload.data(), p.payload.size(), 0600);
  std::printf("wrote %s: %s %s, %s, %zu bytes (verified)\n", out.c_str(), p.manifest.name.c_str(),
              p.manifest.version.c_str(), payload_kind_name(p.manifest.payload_kind), p.payload.size());
  return 0;
}

}  // namespace wisp::cli
