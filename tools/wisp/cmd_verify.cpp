// `wisp verify PKG --trust KEY.sign.pub ...`: every check a device makes, nothing written.
#include <cstdio>

#include "package_cli.hpp"

namespace wisp::cli {

using namespace wisp::package;

int cmd_verify(const std::vector<std::string>& argv) {
  Args args(argv, kOpenValueOptions, {"help"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp verify PKG --trust PUBLISHER.sign.pub [--trust ...] [--device-key DEVICE.box.key]\n"
        "                   [--hardware TAG] [--min-counter N] [--now YYYY-MM-DD]\n\n"
        "Checks signature, payload hash, expiry, runtime version, hardware tag (when given) and\n"
        "release counter; with a device key (or WISP_DEVICE_KEY) also decrypts in memory and\n"
        "checks the plaintext hash. Exit 0 when the package is good, 1 with the reason if not.\n",
        stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one PKG file"};
  OpenOptions o = open_options_from(args);
  const bool have_key = o.device_key.has_value();
  const std::vector<uint8_t> bytes = read_package_file(args.positional()[0]);
  // Without a device key everything but the plaintext is verified (an encrypted package
  // can be checked by someone who may not read it); with one, decryption too.
  o.decrypt = have_key;
  const OpenedPackage p = open_package(bytes.data(), bytes.size(), o);
  print_manifest(p, o.check_hardware);
  if (!p.manifest.encrypted)
    std::printf("OK: signature and payload hash verified\n");
  else if (!have_key)
    std::printf("OK: signature and payload hash verified (not decrypted: no --device-key)\n");
  else
    std::printf("OK: signature, payload hash, decryption and plaintext hash verified\n");
  return 0;
}

}  // namespace wisp::cli
