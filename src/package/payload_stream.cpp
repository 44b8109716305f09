#include "package/payload_stream.hpp"

#include <sodium.h>

#include <algorithm>

#include "package/package_error.hpp"

namespace wisp::package {

static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == kStreamHeaderBytes);
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == kStreamChunkOverhead);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == kContentKeyBytes);
static_assert(crypto_box_SEALBYTES + kContentKeyBytes == kSealedKeyBytes);

ContentKey generate_content_key() {
  ensure_sodium();
  ContentKey k;
  crypto_secretstream_xchacha20poly1305_keygen(k.data());
  return k;
}

void encrypt_payload(const uint8_t* plain, size_t size, uint32_t chunk_bytes, const ContentKey& key,
                     std::array<uint8_t, kStreamHeaderBytes>& header, std::vector<uint8_t>& out) {
  ensure_sodium();
  WISP_ASSERT(chunk_bytes > 0);
  out.resize(encrypted_size(size, chunk_bytes));
  crypto_secretstream_xchacha20poly1305_state st;
  crypto_secretstream_xchacha20poly1305_init_push(&st, header.data(), key.data());
  size_t in = 0, at = 0;
  do {
    const size_t n = std::min<size_t>(chunk_bytes, size - in);
    const bool last = in + n == size;
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &st, out.data() + at, &written, plain + in, n, nullptr, 0,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    in += n;
    at += static_cast<size_t>(written);
    if (last) break;
  } while (true);
  WISP_ASSERT(at == out.size());
  sodium_memzero(&st, sizeof st);
}

void decrypt_payload(const uint8_t* cipher, size_t cipher_size, uint32_t chunk_bytes, const ContentKey& key,
                     const std::array<uint8_t, kStreamHeaderBytes>& header, uint8_t* plain, size_t plain_size) {
  ensure_sodium();
  crypto_secretstream_xchacha20poly1305_state st;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, header.data(), key.data()) != 0)
    package_fail(PackageErrorKind::kDecryptFailed, "package payload: invalid stream header");
  size_t in = 0, out = 0;
  uint64_t chunk = 0;
  bool final_seen = false;
  while (in < cipher_size) {
    if (final_seen)
      package_fail(PackageErrorKind::kDecryptFailed, "package payload: data after the final chunk (chunk ", chunk, ")");
    const size_t n = std::min<size_t>(size_t{chunk_bytes} + kStreamChunkOverhead, cipher_size - in);
    if (n < kStreamChunkOverhead)
      package_fail(PackageErrorKind::kTruncated, "package payload: chunk ", chunk, " is cut short (", n, " bytes)");
    // Never write past the caller's buffer, whatever the chunk sizes say.
    if (n - kStreamChunkOverhead > plain_size - out)
      package_fail(PackageErrorKind::kDecryptFailed, "package payload: more plaintext than the manifest declares");
    unsigned char tag = 0;
    unsigned long long written = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&st, plain + out, &written, &tag, cipher + in, n, nullptr, 0) != 0) {
      sodium_memzero(&st, sizeof st);
      package_fail(PackageErrorKind::kDecryptFailed, "package payload: chunk ", chunk, " at payload offset ", in,
                   " failed authentication (the ciphertext was altered, or the content key is wrong)");
    }
    final_seen = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (!final_seen && tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
      package_fail(PackageErrorKind::kDecryptFailed, "package payload: chunk ", chunk, " has unexpected tag ", int{tag});
    in += n;
    out += static_cast<size_t>(written);
    ++chunk;
  }
  sodium_memzero(&st, sizeof st);
  if (!final_seen)
    package_fail(PackageErrorKind::kTruncated, "package payload: the encrypted stream ends after ", chunk,
                 " chunks without its final chunk: the payload was truncated");
  if (out != plain_size)
    package_fail(PackageErrorKind::kDecryptFailed, "package payload: decrypted ", out, " bytes, the manifest says ",
                 plain_size);
}

}  // namespace wisp::package
