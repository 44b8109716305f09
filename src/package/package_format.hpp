// The .wpkg container and its manifest: layout, limits and a strict binary codec.
//
//   offset  size  field (integers little-endian)
//   0       8     magic "WISPPKG\0"
//   8       2     format version (kFormatVersion)
//   10      2     reserved, must be 0
//   12      4     manifest length M (<= kMaxManifestBytes)
//   16      16    signer key id (KeyId of the Ed25519 public key that signed)
//   32      M     manifest (ManifestCodec below)
//   32+M    64    Ed25519 signature over bytes [0, 32+M): header and manifest
//   96+M    ...   payload: exactly manifest.stored_size bytes to the end of the file
//
// The manifest encoding is canonical: fields in one fixed order, each with a fixed width or
// a u16 length prefix, nothing optional except the encryption block (present iff the
// encrypted flag is 1), no trailing bytes. Canonical means one manifest has one encoding, so
// what was signed is unambiguous. Full description and threat model: docs/package.md.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "package/keys.hpp"

namespace wisp::package {

inline constexpr char kMagic[8] = {'W', 'I', 'S', 'P', 'P', 'K', 'G', '\0'};
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr size_t kHeaderBytes = 32;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kMaxManifestBytes = 64 * 1024;
inline constexpr size_t kMaxRecipients = 256;
inline constexpr size_t kMaxNameBytes = 128;
inline constexpr size_t kMaxVersionBytes = 64;
inline constexpr size_t kMaxHardwareBytes = 64;
inline constexpr uint32_t kMinChunkBytes = 1024;
inline constexpr uint32_t kMaxChunkBytes = 16u << 20;
inline constexpr uint32_t kDefaultChunkBytes = 64u << 10;
inline constexpr uint64_t kMaxPayloadBytes = uint64_t{4} << 30;  // 4 GiB
inline constexpr size_t kHashBytes = 32;                          // BLAKE2b-256
inline constexpr size_t kStreamHeaderBytes = 24;                  // secretstream header
inline constexpr size_t kStreamChunkOverhead = 17;                // secretstream ABYTES
inline constexpr size_t kContentKeyBytes = 32;
inline constexpr size_t kSealedKeyBytes = kContentKeyBytes + 48;  // crypto_box_SEALBYTES

enum class PayloadKind : uint8_t { kUnknown = 0, kOnnx = 1, kWisp = 2 };
const char* payload_kind_name(PayloadKind kind);
PayloadKind detect_payload_kind(const uint8_t* data, size_t size);

struct SemVer {
  uint16_t major = 0, minor = 0, patch = 0;
  bool operator<(const SemVer& o) const;
  std::string str() const;
};
SemVer parse_semver(const std::string& text);  // "X.Y.Z", throws kInvalidArgument
SemVer runtime_version();                      // the running Wisp (CMake project version)

struct Recipient {
  KeyId key_id{};                                   // KeyId of the recipient's box public key
  std::array<uint8_t, kSealedKeyBytes> sealed_key{};  // crypto_box_seal(content key)
};

struct Manifest {
  std::string name;
  std::string version;
  uint64_t counter = 0;         // monotonic release counter (anti-rollback)
  std::string hardware;         // "" = any hardware
  int64_t expires_unix = 0;     // seconds since 1970 UTC when it stops being valid; 0 = never
  SemVer min_runtime;
  PayloadKind payload_kind = PayloadKind::kUnknown;
  uint64_t payload_size = 0;    // plaintext bytes
  std::array<uint8_t, kHashBytes> payload_hash{};  // BLAKE2b-256 of the plaintext
  uint64_t stored_size = 0;     // bytes after the signature (== payload_size if clear)
  std::array<uint8_t, kHashBytes> stored_hash{};   // BLAKE2b-256 of those bytes
  bool encrypted = false;
  // Encryption block (only when encrypted).
  std::array<uint8_t, kStreamHeaderBytes> stream_header{};
  uint32_t chunk_bytes = 0;     // plaintext bytes per secretstream chunk (last may be shorter)
  std::vector<Recipient> recipients;
};

std::vector<uint8_t> encode_manifest(const Manifest& m);
// Strict decode: any deviation (short, trailing bytes, out-of-range value, bad string)
// throws PackageError(kBadManifest) naming the field and its offset in the manifest.
Manifest decode_manifest(const uint8_t* data, size_t size);

// The stored size an encrypted payload of `payload_size` bytes must have (overflow-checked;
// throws kBadManifest when impossible).
uint64_t encrypted_size(uint64_t payload_size, uint32_t chunk_bytes);

std::array<uint8_t, kHashBytes> hash_bytes(const uint8_t* data, size_t size);

// "YYYY-MM-DD" <-> days. A package with --expires DATE is valid through the end of DATE
// (UTC): expires_unix is 00:00 UTC of the next day.
int64_t parse_date_unix(const std::string& text);  // 00:00 UTC of that day
std::string format_unix_date(int64_t unix_seconds);  // "YYYY-MM-DD HH:MM UTC"

}  // namespace wisp::package
