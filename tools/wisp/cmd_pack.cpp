// `wisp pack MODEL ...`: a signed (and optionally encrypted) package around a model file.
#include <unistd.h>

#include <cstdio>

#include "package/keys.hpp"
#include "package_cli.hpp"

namespace wisp::cli {

using namespace wisp::package;

int cmd_pack(const std::vector<std::string>& argv) {
  Args args(expand_short_output(argv),
            {"name", "version", "counter", "sign", "encrypt-for", "expires", "hardware", "min-runtime", "chunk-size",
             "output"},
            {"help"});
  if (args.flag("help")) {
    std::fputs(
        "Usage: wisp pack MODEL --name N --version V --counter C [--sign KEY.sign.key]\n"
        "                 [--encrypt-for DEVICE.box.pub ...] [--expires YYYY-MM-DD]\n"
        "                 [--hardware TAG] [--min-runtime X.Y.Z] [--chunk-size BYTES] -o OUT.wpkg\n\n"
        "Signs MODEL (.wisp or .onnx) with the Ed25519 key (or WISP_SIGNING_KEY). With\n"
        "--encrypt-for, encrypts it for each listed device/fleet key. --counter is the\n"
        "monotonic release counter devices use to refuse downgrades. See docs/package.md.\n",
        stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"expected one MODEL file"};
  for (const char* req : {"name", "version", "counter", "output"})
    if (!args.has(req)) throw UsageError{str_cat("--", req == std::string("output") ? "output (-o)" : req, " is required")};
  PackOptions o;
  o.name = args.get("name");
  o.version = args.get("version");
  const int64_t counter = args.get_int("counter", 0);
  if (counter < 0) throw UsageError{"--counter must be >= 0"};
  o.counter = static_cast<uint64_t>(counter);
  o.hardware = args.get("hardware");
  try {
    // Valid through the end of the given day (UTC).
    if (args.has("expires")) o.expires_unix = parse_date_unix(args.get("expires")) + 86400;
    if (args.has("min-runtime")) o.min_runtime = parse_semver(args.get("min-runtime"));
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  const int64_t chunk = args.get_int("chunk-size", kDefaultChunkBytes);
  if (chunk < kMinChunkBytes || chunk > kMaxChunkBytes)
    throw UsageError{str_cat("--chunk-size must be in ", kMinChunkBytes, "..", kMaxChunkBytes)};
  o.chunk_bytes = static_cast<uint32_t>(chunk);
  for (const std::string& p : args.all("encrypt-for")) o.recipients.push_back(read_box_public_file(p));
  const SigningSecretKey key = load_signing_key(args);

  // The model is read like a package (once, size-capped); it is opaque bytes here.
  const std::vector<uint8_t> model = read_package_file(args.positional()[0]);
  const std::vector<uint8_t> pkg = create_package(model.data(), model.size(), o, key);
  const std::string out = args.get("output");
  ::unlink(out.c_str());
  write_new_file(out, pkg.data(), pkg.size(), 0644);
  std::printf("wrote %s: %s %s counter %llu, %s payload %zu bytes, %s, signed by %s\n", out.c_str(), o.name.c_str(),
              o.version.c_str(), static_cast<unsigned long long>(o.counter),
              payload_kind_name(detect_payload_kind(model.data(), model.size())), model.size(),
              o.recipients.empty() ? "not encrypted" : str_cat("encrypted for ", o.recipients.size(), " key(s)").c_str(),
              key_id_hex(key.public_key().id()).c_str());
  return 0;
}

}  // namespace wisp::cli
