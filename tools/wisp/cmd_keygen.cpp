// `wisp keygen --out NAME`: a new Ed25519 signing pair and X25519 box pair.
#include <cstdio>

#include "package_cli.hpp"

namespace wisp::cli {

int cmd_keygen(const std::vector<std::string>& argv) {
  Args args(expand_short_output(argv), {"out", "output"}, {"help"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp keygen --out NAME\n\n"
        "Writes NAME.sign.key / NAME.sign.pub (Ed25519: signs packages) and NAME.box.key /\n"
        "NAME.box.pub (X25519: a device or fleet key packages are encrypted for). Secret keys\n"
        "are created mode 0600 and never overwritten; keep them off shared machines.\n",
        stdout);
    return 0;
  }
  const std::string out = args.get("out", args.get("output"));
  if (out.empty()) throw UsageError{"--out NAME is required"};
  if (!args.positional().empty()) throw UsageError{"unexpected argument '" + args.positional()[0] + "'"};
  const package::KeygenResult r = package::write_new_key_files(out);
  for (const std::string& p : r.paths) std::printf("wrote %s\n", p.c_str());
  std::printf("signing key id %s\nbox key id     %s\n", package::key_id_hex(r.signing_id).c_str(),
              package::key_id_hex(r.box_id).c_str());
  return 0;
}

}  // namespace wisp::cli
