// SHA-256 (FIPS 180-4), small and self-contained: the .wisp format records the hash of the
// source model without pulling a crypto library into the core. Not constant-time and not
// meant for keyed use; src/package uses libsodium for anything secret.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace wisp {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  Sha256Digest finish();  // the object is spent afterwards

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_bytes_ = 0;
};

Sha256Digest sha256(const void* data, size_t size);
// Streams a file (kIo if it cannot be read).
Sha256Digest sha256_file(const std::string& path);
std::string sha256_hex(const Sha256Digest& d);

}  // namespace wisp
