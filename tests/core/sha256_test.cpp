#include "core/sha256.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>

namespace wisp {
namespace {

std::string hex_of(const std::string& msg) { return sha256_hex(sha256(msg.data(), msg.size())); }

// FIPS 180-4 / NIST CSHA examples.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Feeding the message in pieces of every size gives the same digest as one update,
// including pieces that straddle the 56-byte padding boundary and the 64-byte block.
TEST(Sha256, IncrementalMatchesOneShot) {
  std::string msg;
  for (int i = 0; i < 300; ++i) msg += static_cast<char>(i * 7 + 1);
  const Sha256Digest one = sha256(msg.data(), msg.size());
  for (size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 129u}) {
    Sha256 s;
    for (size_t i = 0; i < msg.size(); i += piece) s.update(msg.data() + i, std::min(piece, msg.size() - i));
    EXPECT_EQ(sha256_hex(s.finish()), sha256_hex(one)) << "piece " << piece;
  }
}

}  // namespace
}  // namespace wisp
