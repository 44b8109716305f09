// create_package: hash the payload, encrypt it (when there are recipients) under a fresh
// content key sealed to each recipient, encode the manifest, sign header + manifest.
#include <sodium.h>

#include <cstring>

#include "package/package.hpp"
#include "package/payload_stream.hpp"

namespace wisp::package {

namespace {

void put_le(uint8_t* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

void check_field(const std::string& what, const std::string& s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max)
    fail(ErrorCode::kInvalidArgument, "package ", what, " '", s, "' must be ", min, "..", max, " characters");
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+'))
      fail(ErrorCode::kInvalidArgument, "package ", what, " '", s, "' may use only letters, digits and . _ - +");
}

}  // namespace

std::vector<uint8_t> create_package(const uint8_t* payload, size_t size, const PackOptions& o,
                                    const SigningSecretKey& signer) {
  ensure_sodium();
  check_field("name", o.name, 1, kMaxNameBytes);
  check_field("version", o.version, 1, kMaxVersionBytes);
  check_field("hardware tag", o.hardware, 0, kMaxHardwareBytes);
  if (size > kMaxPayloadBytes)
    fail(ErrorCode::kResourceExhausted, "model is ", size, " bytes; packages hold at most ", kMaxPayloadBytes);
  if (o.recipients.size() > kMaxRecipients)
    fail(ErrorCode::kInvalidArgument, o.recipients.size(), " recipients; at most ", kMaxRecipients);
  if (o.chunk_bytes < kMinChunkBytes || o.chunk_bytes > kMaxChunkBytes)
    fail(ErrorCode::kInvalidArgument, "chunk size ", o.chunk_bytes, " is outside ", kMinChunkBytes, "..", kMaxChunkBytes);
  if (o.expires_unix < 0) fail(ErrorCode::kInvalidArgument, "expiry before 1970");

  Manifest m;
  m.name = o.name;
  m.version = o.version;
  m.counter = o.counter;
  m.hardware = o.hardware;
  m.expires_unix = o.expires_unix;
  m.min_runtime = o.min_runtime;
  m.payload_kind = detect_payload_kind(payload, size);
  m.payload_size = size;
  m.payload_hash = hash_bytes(payload, size);

  std::vector<uint8_t> cipher;
  if (!o.recipients.empty()) {
    m.encrypted = true;
    m.chunk_bytes = o.chunk_bytes;
    const ContentKey key = generate_content_key();
    encrypt_payload(payload, size, o.chunk_bytes, key, m.stream_header, cipher);
    for (const BoxPublicKey& pk : o.recipients) {
      Recipient r;
      r.key_id = pk.id();
      for (const Recipient& seen : m.recipients)
        if (seen.key_id == r.key_id)
          fail(ErrorCode::kInvalidArgument, "recipient key ", key_id_hex(r.key_id), " is given twice");
      crypto_box_seal(r.sealed_key.data(), key.data(), key.size(), pk.bytes.data());
      m.recipients.push_back(r);
    }
    m.stored_size = cipher.size();
    m.stored_hash = hash_bytes(cipher.data(), cipher.size());
  } else {
    m.stored_size = m.payload_size;
    m.stored_hash = m.payload_hash;
  }
  return assemble_package(m, m.encrypted ? cipher.data() : payload, static_cast<size_t>(m.stored_size), signer);
}

std::vector<uint8_t> assemble_package(const Manifest& m, const uint8_t* stored, size_t stored_size,
                                      const SigningSecretKey& signer) {
  ensure_sodium();
  const std::vector<uint8_t> manifest = encode_manifest(m);
  // Laid out with memcpy into one sized buffer (GCC 12 misreports vector::insert of small
  // arrays as overflows under -O3 -Werror).
  const KeyId signer_id = signer.public_key().id();
  const size_t signed_len = kHeaderBytes + manifest.size();
  std::vector<uint8_t> out(signed_len + kSignatureBytes + stored_size);
  uint8_t* p = out.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  put_le(p + 8, kFormatVersion, 2);
  put_le(p + 10, 0, 2);
  put_le(p + 12, manifest.size(), 4);
  std::memcpy(p + 16, signer_id.data(), signer_id.size());
  std::memcpy(p + kHeaderBytes, manifest.data(), manifest.size());
  crypto_sign_detached(p + signed_len, nullptr, p, signed_len, signer.bytes.data());
  if (stored_size) std::memcpy(p + signed_len + kSignatureBytes, stored, stored_size);
  return out;
}

}  // namespace wisp::package
