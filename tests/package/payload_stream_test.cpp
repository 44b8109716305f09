// The secretstream layer alone: chunk edges, truncation at chunk boundaries, reordering,
// wrong key, and refusing to write past the caller's buffer.
#include <gtest/gtest.h>

#include <cstring>

#include "package/package_error.hpp"
#include "package/payload_stream.hpp"
#include "package_test_util.hpp"

namespace wisp::package {
namespace {

PackageErrorKind decrypt_error(const std::vector<uint8_t>& c, const ContentKey& k,
                               const std::array<uint8_t, kStreamHeaderBytes>& h, size_t plain_size) {
  std::vector<uint8_t> out(plain_size);
  try {
    decrypt_payload(c.data(), c.size(), 1024, k, h, out.data(), out.size());
  } catch (const PackageError& e) {
    return e.kind();
  }
  return PackageErrorKind::kIo;  // "no error"
}

TEST(PayloadStream, RoundTripsAtChunkEdges) {
  const ContentKey key = generate_content_key();
  for (size_t n : {size_t{0}, size_t{1}, size_t{1023}, size_t{1024}, size_t{1025}, size_t{2048}, size_t{3071}}) {
    const auto plain = testing::payload_bytes(n);
    std::array<uint8_t, kStreamHeaderBytes> h{};
    std::vector<uint8_t> c;
    encrypt_payload(plain.data(), n, 1024, key, h, c);
    ASSERT_EQ(c.size(), encrypted_size(n, 1024));
    std::vector<uint8_t> out(n);
    decrypt_payload(c.data(), c.size(), 1024, key, h, out.data(), out.size());
    EXPECT_EQ(out, plain) << n;
  }
}

TEST(PayloadStream, DroppedReorderedOrAlteredChunksFail) {
  const ContentKey key = generate_content_key();
  const auto plain = testing::payload_bytes(3000);  // chunks 1024, 1024, 952 (FINAL)
  std::array<uint8_t, kStreamHeaderBytes> h{};
  std::vector<uint8_t> c;
  encrypt_payload(plain.data(), plain.size(), 1024, key, h, c);
  const size_t chunk = 1024 + kStreamChunkOverhead;
  // Dropping the final chunk (a whole-chunk truncation) leaves no FINAL tag.
  EXPECT_EQ(decrypt_error(std::vector<uint8_t>(c.begin(), c.begin() + 2 * chunk), key, h, 2048),
            PackageErrorKind::kTruncated);
  // Swapping the first two chunks.
  auto swapped = c;
  std::memcpy(swapped.data(), c.data() + chunk, chunk);
  std::memcpy(swapped.data() + chunk, c.data(), chunk);
  EXPECT_EQ(decrypt_error(swapped, key, h, 3000), PackageErrorKind::kDecryptFailed);
  auto flipped = c;
  flipped[chunk + 5] ^= 1;
  EXPECT_EQ(decrypt_error(flipped, key, h, 3000), PackageErrorKind::kDecryptFailed);
  EXPECT_EQ(decrypt_error(c, generate_content_key(), h, 3000), PackageErrorKind::kDecryptFailed);
  // A buffer smaller than the stream's plaintext is never overrun.
  EXPECT_EQ(decrypt_error(c, key, h, 2000), PackageErrorKind::kDecryptFailed);
  // A cut inside a chunk.
  EXPECT_NE(decrypt_error(std::vector<uint8_t>(c.begin(), c.end() - 1), key, h, 3000), PackageErrorKind::kIo);
}

}  // namespace
}  // namespace wisp::package
