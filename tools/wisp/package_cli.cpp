#include "package_cli.hpp"

#include <cstdio>
#include <cstdlib>

namespace wisp::cli {

using namespace wisp::package;

std::vector<std::string> expand_short_output(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (const std::string& a : argv) out.push_back(a == "-o" ? "--output" : a);
  return out;
}

SigningSecretKey load_signing_key(const Args& args) {
  if (args.has("sign")) return read_signing_secret_file(args.get("sign"));
  if (auto k = signing_secret_from_env("WISP_SIGNING_KEY")) return std::move(*k);
  throw UsageError{"no signing key: pass --sign NAME.sign.key or set WISP_SIGNING_KEY"};
}

OpenOptions open_options_from(const Args& args) {
  OpenOptions o;
  for (const std::string& path : args.all("trust")) o.trusted.push_back(read_signing_public_file(path));
  if (o.trusted.empty()) {
    const char* env = std::getenv("WISP_TRUST_KEY");
    if (!env || !*env) throw UsageError{"no trusted key: pass --trust PUBLISHER.sign.pub (or set WISP_TRUST_KEY)"};
    o.trusted.push_back(parse_signing_public(env, "environment variable WISP_TRUST_KEY"));
  }
  if (args.has("device-key")) o.device_key = read_box_secret_file(args.get("device-key"));
  else o.device_key = box_secret_from_env("WISP_DEVICE_KEY");
  o.hardware = args.get("hardware");
  o.check_hardware = args.has("hardware");
  const int64_t min_counter = args.get_int("min-counter", 0);
  if (min_counter < 0) throw UsageError{"--min-counter must be >= 0"};
  o.min_counter = static_cast<uint64_t>(min_counter);
  if (args.has("now")) {
    try {
      o.now_unix = parse_date_unix(args.get("now"));
    } catch (const Error& e) {
      throw UsageError{str_cat("--now: ", e.what())};
    }
  }
  return o;
}

void print_manifest(const OpenedPackage& p, bool hardware_checked) {
  const Manifest& m = p.manifest;
  std::printf("package      %s %s (release counter %llu)\n", m.name.c_str(), m.version.c_str(),
              static_cast<unsigned long long>(m.counter));
  std::printf("signed by    %s (trusted)\n", key_id_hex(p.signer).c_str());
  std::printf("payload      %s, %llu bytes, blake2b-256 ", payload_kind_name(m.payload_kind),
              static_cast<unsigned long long>(m.payload_size));
  for (uint8_t b : m.payload_hash) std::printf("%02x", b);
  std::printf("\n");
  std::printf("hardware     %s%s\n", m.hardware.empty() ? "any" : m.hardware.c_str(),
              m.hardware.empty() || hardware_checked ? "" : " (not checked: pass --hardware)");
  std::printf("expires      %s\n", m.expires_unix ? format_unix_date(m.expires_unix).c_str() : "never");
  std::printf("min runtime  %s (this runtime %s)\n", m.min_runtime.str().c_str(), runtime_version().str().c_str());
  if (m.encrypted) {
    std::printf("encrypted    xchacha20-poly1305 secretstream, %u-byte chunks, %zu recipient(s):", m.chunk_bytes,
                m.recipients.size());
    for (const Recipient& r : m.recipients) std::printf(" %s", key_id_hex(r.key_id).c_str());
    std::printf("\n");
  } else {
    std::printf("encrypted    no\n");
  }
}

}  // namespace wisp::cli
