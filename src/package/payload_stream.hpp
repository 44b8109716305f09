// Payload encryption: libsodium's crypto_secretstream_xchacha20poly1305 over fixed-size
// plaintext chunks. Every chunk is authenticated on its own (Poly1305) and chained to the
// previous one, and only the last carries TAG_FINAL, so reordering, dropping or appending
// chunks, and cutting the stream short, all fail decryption. Decryption writes straight
// into the caller's buffer (the plaintext exists only in memory).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "package/keys.hpp"
#include "package/package_format.hpp"

namespace wisp::package {

using ContentKey = SecretBytes<kContentKeyBytes>;

ContentKey generate_content_key();

// Encrypts `size` bytes into `out` (resized to encrypted_size(size, chunk_bytes)); writes
// the stream header to `header`.
void encrypt_payload(const uint8_t* plain, size_t size, uint32_t chunk_bytes, const ContentKey& key,
                     std::array<uint8_t, kStreamHeaderBytes>& header, std::vector<uint8_t>& out);

// Decrypts `cipher_size` bytes into `plain`, which must hold exactly `plain_size` bytes.
// Throws PackageError: kDecryptFailed when a chunk fails authentication or a chunk other
// than the last is tagged FINAL, kTruncated when the stream ends before a FINAL chunk.
void decrypt_payload(const uint8_t* cipher, size_t cipher_size, uint32_t chunk_bytes, const ContentKey& key,
                     const std::array<uint8_t, kStreamHeaderBytes>& header, uint8_t* plain, size_t plain_size);

}  // namespace wisp::package
