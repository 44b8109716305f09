// Signed, optionally encrypted model packages (.wpkg): create, verify, open.
//
//   auto bytes = read_package_file("model.wpkg");            // read ONCE into memory
//   OpenOptions o; o.trusted = {publisher}; o.device_key = device_secret;
//   o.hardware = "rpi4"; o.min_counter = installed_counter;
//   OpenedPackage p = open_package(bytes.data(), bytes.size(), o);  // verify, then decrypt
//   auto model = load_package_model(p);                       // from memory, no plaintext on disk
//
// Everything is checked on the one buffer the caller holds: what was verified is exactly
// what is decrypted and loaded (no check-then-reopen). The order of checks and the threat
// model are in docs/package.md; each failure is a PackageError with its own kind.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "package/keys.hpp"
#include "package/package_error.hpp"
#include "package/package_format.hpp"

namespace wisp {
struct Model;
}

namespace wisp::package {

struct PackOptions {
  std::string name;
  std::string version;
  uint64_t counter = 0;
  std::string hardware;       // "" = any
  int64_t expires_unix = 0;   // 0 = never
  SemVer min_runtime;         // 0.0.0 = any
  uint32_t chunk_bytes = kDefaultChunkBytes;
  std::vector<BoxPublicKey> recipients;  // empty = not encrypted
};

// Builds a package around `payload` (a .wisp or .onnx file's bytes).
std::vector<uint8_t> create_package(const uint8_t* payload, size_t size, const PackOptions& options,
                                    const SigningSecretKey& signer);

// Header + manifest + signature + `stored` bytes, as they are: no check that they agree
// (create_package makes them agree). For tests that model a faulty or malicious signer.
std::vector<uint8_t> assemble_package(const Manifest& manifest, const uint8_t* stored, size_t stored_size,
                                      const SigningSecretKey& signer);

struct OpenOptions {
  std::vector<SigningPublicKey> trusted;      // publisher keys; at least one
  std::optional<BoxSecretKey> device_key;     // needed to decrypt an encrypted package
  std::string hardware;                       // this device's hardware tag
  bool check_hardware = true;                 // false only for offline inspection
  uint64_t min_counter = 0;                   // counter must be >= this (anti-rollback)
  std::optional<int64_t> now_unix;            // "now" for the expiry check; default: the clock
  std::optional<SemVer> runtime;              // default: this build's version
  bool decrypt = true;                        // false: verify everything but the plaintext
};

// Plaintext model bytes, wiped when released.
class PayloadBytes {
 public:
  PayloadBytes() = default;
  explicit PayloadBytes(size_t n) : bytes_(n) {}
  ~PayloadBytes();
  PayloadBytes(PayloadBytes&&) noexcept = default;
  PayloadBytes& operator=(PayloadBytes&&) noexcept;
  PayloadBytes(const PayloadBytes&) = delete;
  PayloadBytes& operator=(const PayloadBytes&) = delete;
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<uint8_t> bytes_;
};

struct OpenedPackage {
  Manifest manifest;
  KeyId signer{};
  bool decrypted = false;      // payload holds the verified plaintext
  PayloadBytes payload;        // empty when !decrypted
};

OpenedPackage open_package(const uint8_t* data, size_t size, const OpenOptions& options);

// Reads a whole package file into memory once (size-capped before allocating).
std::vector<uint8_t> read_package_file(const std::string& path);

// Loads the model held by an opened, decrypted package from memory: ONNX through the
// importer, .wisp through the .wisp verifier and checks (builds without
// WISP_WITH_FORMAT refuse .wisp payloads with kUnsupported).
std::shared_ptr<wisp::Model> load_package_model(const OpenedPackage& package);

}  // namespace wisp::package
