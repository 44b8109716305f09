// Package keys: an Ed25519 signing pair (the publisher signs manifests) and an X25519 box
// pair per device or fleet (the content key of an encrypted package is sealed to it).
//
// On disk and in the environment a key is one line of text, "<type>:<base64>", where type
// is one of wisp-ed25519-secret, wisp-ed25519-public, wisp-x25519-secret,
// wisp-x25519-public. The type prefix stops a key of one kind being used as another.
// The environment (WISP_SIGNING_KEY, WISP_DEVICE_KEY) also accepts the bare key as
// base64 or hex. Secret key files are created 0600 with O_EXCL and refused, like ssh
// does, when group or others may read them. Secret bytes live in SecretBytes, wiped with
// sodium_memzero when they go out of scope.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wisp::package {

// Initialises libsodium once (thread-safe); throws if it cannot.
void ensure_sodium();

// A short, stable name of a public key: BLAKE2b-128 of a domain label and the key. Shown
// to people (hex) and used to find a device's entry in an encrypted package.
using KeyId = std::array<uint8_t, 16>;
KeyId key_id(const uint8_t* public_key, size_t size);
std::string key_id_hex(const KeyId& id);

// Fixed-size secret buffer, wiped on destruction and on move-from.
template <size_t N>
class SecretBytes {
 public:
  SecretBytes() { bytes_.fill(0); }
  ~SecretBytes() { wipe(); }
  SecretBytes(const SecretBytes& o) : bytes_(o.bytes_) {}
  SecretBytes& operator=(const SecretBytes& o) { bytes_ = o.bytes_; return *this; }
  SecretBytes(SecretBytes&& o) noexcept : bytes_(o.bytes_) { o.wipe(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept { bytes_ = o.bytes_; o.wipe(); return *this; }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static constexpr size_t size() { return N; }
  void wipe();

 private:
  std::array<uint8_t, N> bytes_;
};
void secure_wipe(void* data, size_t size);
template <size_t N>
void SecretBytes<N>::wipe() { secure_wipe(bytes_.data(), N); }

struct SigningPublicKey {
  std::array<uint8_t, 32> bytes{};
  KeyId id() const { return key_id(bytes.data(), bytes.size()); }
};
struct SigningSecretKey {
  SecretBytes<64> bytes;  // libsodium form: 32-byte seed then the public key
  SigningPublicKey public_key() const;
};
struct BoxPublicKey {
  std::array<uint8_t, 32> bytes{};
  KeyId id() const { return key_id(bytes.data(), bytes.size()); }
};
struct BoxSecretKey {
  SecretBytes<32> bytes;
  BoxPublicKey public_key() const;
};

// Deterministic keys from a 32-byte seed: for tests and fuzzing only.
SigningSecretKey signing_key_from_seed(const std::array<uint8_t, 32>& seed);
BoxSecretKey box_key_from_seed(const std::array<uint8_t, 32>& seed);
SigningSecretKey generate_signing_key();
BoxSecretKey generate_box_key();

// Key text: "<type>:<base64>". Parsing accepts, for secrets from the environment, a bare
// base64 or hex key too. `where` names the source in errors (a path or a variable name).
std::string signing_secret_text(const SigningSecretKey& key);
std::string signing_public_text(const SigningPublicKey& key);
std::string box_secret_text(const BoxSecretKey& key);
std::string box_public_text(const BoxPublicKey& key);
SigningSecretKey parse_signing_secret(const std::string& text, const std::string& where);
SigningPublicKey parse_signing_public(const std::string& text, const std::string& where);
BoxSecretKey parse_box_secret(const std::string& text, const std::string& where);
BoxPublicKey parse_box_public(const std::string& text, const std::string& where);

// Key files. Secret ones are refused when their mode allows group/others any access.
SigningSecretKey read_signing_secret_file(const std::string& path);
SigningPublicKey read_signing_public_file(const std::string& path);
BoxSecretKey read_box_secret_file(const std::string& path);
BoxPublicKey read_box_public_file(const std::string& path);

// A secret key from an environment variable, or nullopt when it is unset.
std::optional<SigningSecretKey> signing_secret_from_env(const char* variable = "WISP_SIGNING_KEY");
std::optional<BoxSecretKey> box_secret_from_env(const char* variable = "WISP_DEVICE_KEY");

// `wisp keygen --out NAME`: writes NAME.sign.key, NAME.sign.pub, NAME.box.key, NAME.box.pub.
// Refuses to overwrite any existing file (O_EXCL); secrets 0600, public keys 0644.
struct KeygenResult {
  std::vector<std::string> paths;
  KeyId signing_id{};
  KeyId box_id{};
};
KeygenResult write_new_key_files(const std::string& prefix);

// Writes `text` to a new file (O_EXCL) with exactly `mode`; removes it again on failure.
void write_new_file(const std::string& path, const void* data, size_t size, unsigned mode);

}  // namespace wisp::package
