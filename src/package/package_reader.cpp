// open_package: the checks, in this order, on the one in-memory copy of the file:
//   1. container: size of the fixed header, magic, format version, reserved bits
//   2. sizes: manifest length capped, header + manifest + signature present (truncation)
//   3. signer: the key id in the header names a trusted key (else kUntrustedSigner)
//   4. signature: Ed25519 over header + manifest (else kBadSignature: tampered)
//   -- from here on the manifest is the publisher's word --
//   5. manifest: strict decode
//   6. payload: its size equals the signed size (kTruncated / kPayloadTampered), then its
//      BLAKE2b-256 equals the signed hash (kPayloadTampered: ciphertext or clear payload)
//   7. policy: runtime version, expiry, hardware tag, release counter
//   8. decryption (when encrypted): this device's entry, unseal the content key, decrypt
//      each chunk (authenticated), FINAL tag on the last, then the plaintext hash.
// Nothing is allocated from a size in the file before that size is checked (the payload
// buffer is allocated only after step 7, at the signed, capped size).
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "ir/graph.hpp"
#include "onnx/onnx_importer.hpp"
#include "package/package.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "package/payload_stream.hpp"

namespace wisp::package {

namespace {

uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check_policy(const Manifest& m, const OpenOptions& o) {
  const SemVer runtime = o.runtime.value_or(runtime_version());
  if (runtime < m.min_runtime)
    package_fail(PackageErrorKind::kRuntimeTooOld, "package ", m.name, " ", m.version, " needs Wisp runtime ",
                 m.min_runtime.str(), " or newer; this is ", runtime.str(), ": update the runtime first");
  const int64_t now = o.now_unix.value_or(now_seconds());
  if (m.expires_unix != 0 && now >= m.expires_unix)
    package_fail(PackageErrorKind::kExpired, "package ", m.name, " ", m.version, " expired at ",
                 format_unix_date(m.expires_unix), " (now ", format_unix_date(now), "); ask the publisher for a new release");
  if (o.check_hardware && !m.hardware.empty() && m.hardware != o.hardware)
    package_fail(PackageErrorKind::kWrongHardware, "package ", m.name, " ", m.version, " is built for hardware '",
                 m.hardware, "', this device is ", o.hardware.empty() ? "untagged (no hardware tag given)" : "'" + o.hardware + "'");
  if (m.counter < o.min_counter)
    package_fail(PackageErrorKind::kRollback, "package ", m.name, " ", m.version, " has release counter ", m.counter,
                 ", below the minimum ", o.min_counter, ": refusing a downgrade (rollback) to an older release");
}

void decrypt_into(const Manifest& m, const uint8_t* stored, const OpenOptions& o, PayloadBytes& plain) {
  if (!o.device_key)
    package_fail(PackageErrorKind::kNoDeviceKey, "package ", m.name, " ", m.version,
                 " is encrypted; give the device's box secret key (--device-key or WISP_DEVICE_KEY)");
  const BoxPublicKey my_pk = o.device_key->public_key();
  const KeyId my_id = my_pk.id();
  const Recipient* mine = nullptr;
  for (const Recipient& r : m.recipients)
    if (r.key_id == my_id) mine = &r;
  if (!mine) {
    std::string ids;
    for (const Recipient& r : m.recipients) ids += (ids.empty() ? "" : ", ") + key_id_hex(r.key_id);
    package_fail(PackageErrorKind::kNotRecipient, "package ", m.name, " ", m.version,
                 " is not encrypted for this device key (", key_id_hex(my_id), "); its recipients are ", ids);
  }
  ContentKey key;
  if (crypto_box_seal_open(key.data(), mine->sealed_key.data(), kSealedKeyBytes, my_pk.bytes.data(),
                           o.device_key->bytes.data()) != 0)
    package_fail(PackageErrorKind::kDecryptFailed, "package ", m.name, ": the content key sealed for ",
                 key_id_hex(my_id), " does not open with this device key");
  plain = PayloadBytes(static_cast<size_t>(m.payload_size));
  decrypt_payload(stored, static_cast<size_t>(m.stored_size), m.chunk_bytes, key, m.stream_header, plain.data(),
                  plain.size());
  if (hash_bytes(plain.data(), plain.size()) != m.payload_hash)
    package_fail(PackageErrorKind::kPayloadTampered, "package ", m.name,
                 ": the decrypted payload's hash differs from the signed manifest");
}

}  // namespace

PayloadBytes::~PayloadBytes() { secure_wipe(bytes_.data(), bytes_.size()); }

PayloadBytes& PayloadBytes::operator=(PayloadBytes&& o) noexcept {
  if (this != &o) {
    secure_wipe(bytes_.data(), bytes_.size());
    bytes_ = std::move(o.bytes_);
  }
  return *this;
}

OpenedPackage open_package(const uint8_t* data, size_t size, const OpenOptions& o) {
  ensure_sodium();
  using K = PackageErrorKind;
  if (o.trusted.empty()) fail(ErrorCode::kInvalidArgument, "no trusted signing key given (--trust KEY.sign.pub)");
  // 1. container
  if (size == 0) package_fail(K::kTruncated, "package is empty (0 bytes)");
  if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    if (size < sizeof kMagic && std::memcmp(data, kMagic, size) == 0)
      package_fail(K::kTruncated, "package is truncated: ", size, " bytes, shorter than its ", kHeaderBytes, "-byte header");
    package_fail(K::kBadMagic, "not a Wisp package (the file does not start with \"WISPPKG\"); `wisp pack` makes one");
  }
  if (size < kHeaderBytes)
    package_fail(K::kTruncated, "package is truncated: ", size, " bytes, shorter than its ", kHeaderBytes, "-byte header");
  const auto version = static_cast<uint16_t>(get_le(data + 8, 2));
  if (version != kFormatVersion)
    package_fail(K::kUnsupportedVersion, "package format version ", version, " is not supported (this runtime reads version ",
                 kFormatVersion, "); update the runtime or repack");
  if (get_le(data + 10, 2) != 0)
    package_fail(K::kUnsupportedVersion, "package header has reserved bits set (a newer format?)");
  // 2. sizes (64-bit: kHeaderBytes + 2^32 + 64 cannot overflow)
  const uint64_t manifest_len = get_le(data + 12, 4);
  if (manifest_len > kMaxManifestBytes)
    package_fail(K::kTooLarge, "package manifest declares ", manifest_len, " bytes, over the ", kMaxManifestBytes, "-byte limit");
  const uint64_t signed_len = kHeaderBytes + manifest_len;
  if (uint64_t{size} < signed_len + kSignatureBytes)
    package_fail(K::kTruncated, "package is truncated: ", size, " bytes, but its header, ", manifest_len,
                 "-byte manifest and signature need ", signed_len + kSignatureBytes);
  // 3. signer
  KeyId signer{};
  std::memcpy(signer.data(), data + 16, signer.size());
  const SigningPublicKey* key = nullptr;
  for (const SigningPublicKey& t : o.trusted)
    if (t.id() == signer) key = &t;
  if (!key) {
    std::string ids;
    for (const SigningPublicKey& t : o.trusted) ids += (ids.empty() ? "" : ", ") + key_id_hex(t.id());
    package_fail(K::kUntrustedSigner, "package says it is signed by key ", key_id_hex(signer),
                 ", which is not trusted here (trusted: ", ids, "): wrong publisher key, or a forged package");
  }
  // 4. signature
  if (crypto_sign_verify_detached(data + signed_len, data, signed_len, key->bytes.data()) != 0)
    package_fail(K::kBadSignature, "package signature does not verify with trusted key ", key_id_hex(signer),
                 ": the header or manifest was altered after signing");
  OpenedPackage out;
  out.signer = signer;
  // 5. manifest
  out.manifest = decode_manifest(data + kHeaderBytes, static_cast<size_t>(manifest_len));
  const Manifest& m = out.manifest;
  // 6. payload size, then hash
  const uint64_t stored = uint64_t{size} - signed_len - kSignatureBytes;
  const uint8_t* payload = data + signed_len + kSignatureBytes;
  if (stored < m.stored_size)
    package_fail(K::kTruncated, "package is truncated: its payload has ", stored, " of the ", m.stored_size,
                 " bytes the manifest declares");
  if (stored > m.stored_size)
    package_fail(K::kPayloadTampered, "package has ", stored - m.stored_size, " bytes after the payload the manifest declares");
  if (hash_bytes(payload, static_cast<size_t>(stored)) != m.stored_hash)
    package_fail(K::kPayloadTampered, "package payload (", m.encrypted ? "ciphertext" : "clear",
                 ") does not match the signed hash: it was altered after signing");
  // 7. policy
  check_policy(m, o);
  if (!o.decrypt) return out;
  // 8. decryption / clear copy
  if (m.encrypted) {
    decrypt_into(m, payload, o, out.payload);
  } else {
    out.payload = PayloadBytes(static_cast<size_t>(m.payload_size));
    if (m.payload_size) std::memcpy(out.payload.data(), payload, static_cast<size_t>(m.payload_size));
  }
  out.decrypted = true;
  return out;
}

std::vector<uint8_t> read_package_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) package_fail(PackageErrorKind::kIo, "cannot open ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    package_fail(PackageErrorKind::kIo, "package ", path, " is not a regular file");
  }
  const uint64_t limit = kHeaderBytes + kMaxManifestBytes + kSignatureBytes + encrypted_size(kMaxPayloadBytes, kMinChunkBytes);
  if (static_cast<uint64_t>(st.st_size) > limit) {
    ::close(fd);
    package_fail(PackageErrorKind::kTooLarge, "package ", path, " is ", st.st_size, " bytes, over the ", limit, "-byte limit");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int err = errno;
      ::close(fd);
      package_fail(PackageErrorKind::kIo, "cannot read ", path, ": ", std::strerror(err));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  bytes.resize(got);  // a file that shrank while being read is simply shorter: verification decides
  return bytes;
}

std::shared_ptr<wisp::Model> load_package_model(const OpenedPackage& p) {
  if (!p.decrypted)
    fail(ErrorCode::kInvalidArgument, "package ", p.manifest.name, " was opened without decryption; nothing to load");
  switch (p.manifest.payload_kind) {
    case PayloadKind::kOnnx:
      // No base directory: a packaged model must be self-contained (no external data).
      return import_onnx_bytes(p.payload.data(), p.payload.size(), "");
    case PayloadKind::kWisp:
#ifdef WISP_WITH_FORMAT
      // Copied into an aligned buffer that the model keeps (the payload vector is the
      // caller's); the .wisp verifier and semantic checks run on those bytes before use.
      WISP_CHECK(format::looks_like_wisp(p.payload.data(), p.payload.size()), ErrorCode::kInvalidModel, "package ",
                 p.manifest.name, ": the manifest says .wisp but the payload does not start like a .wisp file");
      return format::load_wisp_copy(p.payload.data(), p.payload.size()).model;
#else
      fail(ErrorCode::kUnsupported, "package ", p.manifest.name,
           " holds a .wisp model; this build has no .wisp loader (configure with -DWISP_WITH_FORMAT=ON)");
#endif
    case PayloadKind::kUnknown: break;
  }
  fail(ErrorCode::kInvalidModel, "package ", p.manifest.name, " holds a payload that is neither ONNX nor .wisp");
}

}  // namespace wisp::package
