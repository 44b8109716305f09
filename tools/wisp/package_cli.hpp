// Shared pieces of the package sub-commands (keygen, pack, verify, unpack): key loading
// from files or the environment, "-o" as "--output", and the verify/unpack option set.
#pragma once
#include <string>
#include <vector>

#include "cli.hpp"
#include "package/package.hpp"

namespace wisp::cli {

// "-o X" -> "--output X" (Args only knows long options).
std::vector<std::string> expand_short_output(const std::vector<std::string>& argv);

// --sign PATH, else WISP_SIGNING_KEY; a usage error when neither is there.
package::SigningSecretKey load_signing_key(const Args& args);

// The options shared by verify and unpack: --trust (repeatable, or WISP_TRUST_KEY),
// --device-key (or WISP_DEVICE_KEY), --hardware, --min-counter, --now.
package::OpenOptions open_options_from(const Args& args);
inline const std::vector<std::string> kOpenValueOptions = {"trust", "device-key", "hardware", "min-counter", "now"};

// Prints the manifest in a people-readable block.
void print_manifest(const package::OpenedPackage& p, bool hardware_checked);

}  // namespace wisp::cli
