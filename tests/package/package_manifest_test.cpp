// The manifest codec is strict: one encoding per manifest, and every malformed one is
// kBadManifest with the field named. Also the small format helpers (dates, versions).
#include <gtest/gtest.h>

#include "package/package_error.hpp"
#include "package/package_format.hpp"
#include "package_test_util.hpp"

namespace wisp::package {
namespace {

Manifest sample(bool encrypted) {
  Manifest m;
  m.name = "resnet18-int8";
  m.version = "2.0.1+b7";
  m.counter = 0x0102030405060708ull;
  m.hardware = "rpi4";
  m.expires_unix = 1893456000;
  m.min_runtime = SemVer{0, 1, 2};
  m.payload_kind = PayloadKind::kWisp;
  m.payload_size = 5000;
  m.payload_hash.fill(0xab);
  if (encrypted) {
    m.encrypted = true;
    m.chunk_bytes = 4096;
    m.stored_size = encrypted_size(5000, 4096);
    m.stored_hash.fill(0xcd);
    m.stream_header.fill(0x11);
    Recipient a, b;
    a.key_id.fill(1);
    b.key_id.fill(2);
    a.sealed_key.fill(3);
    m.recipients = {a, b};
  } else {
    m.stored_size = m.payload_size;
    m.stored_hash = m.payload_hash;
  }
  return m;
}

PackageErrorKind decode_error(const std::vector<uint8_t>& bytes) {
  try {
    decode_manifest(bytes.data(), bytes.size());
  } catch (const PackageError& e) {
    return e.kind();
  }
  return PackageErrorKind::kIo;  // "no error"
}

TEST(PackageManifest, RoundTripsEveryField) {
  for (bool enc : {false, true}) {
    const Manifest m = sample(enc);
    const auto bytes = encode_manifest(m);
    const Manifest d = decode_manifest(bytes.data(), bytes.size());
    EXPECT_EQ(d.name, m.name);
    EXPECT_EQ(d.version, m.version);
    EXPECT_EQ(d.counter, m.counter);
    EXPECT_EQ(d.hardware, m.hardware);
    EXPECT_EQ(d.expires_unix, m.expires_unix);
    EXPECT_EQ(d.min_runtime.str(), "0.1.2");
    EXPECT_EQ(d.payload_kind, PayloadKind::kWisp);
    EXPECT_EQ(d.payload_size, 5000u);
    EXPECT_EQ(d.payload_hash, m.payload_hash);
    EXPECT_EQ(d.stored_size, m.stored_size);
    EXPECT_EQ(d.encrypted, enc);
    EXPECT_EQ(d.recipients.size(), enc ? 2u : 0u);
    if (enc) {
      EXPECT_EQ(d.chunk_bytes, 4096u);
      EXPECT_EQ(d.stream_header, m.stream_header);
      EXPECT_EQ(d.recipients[1].key_id, m.recipients[1].key_id);
      EXPECT_EQ(d.recipients[0].sealed_key, m.recipients[0].sealed_key);
    }
    // Canonical: re-encoding gives the same bytes.
    EXPECT_EQ(encode_manifest(d), bytes);
  }
}

TEST(PackageManifest, EveryTruncationAndTrailingByteIsBadManifest) {
  for (bool enc : {false, true}) {
    const auto bytes = encode_manifest(sample(enc));
    for (size_t n = 0; n < bytes.size(); ++n)
      ASSERT_EQ(decode_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n))),
                PackageErrorKind::kBadManifest) << n;
    auto longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(decode_error(longer), PackageErrorKind::kBadManifest);
  }
}

TEST(PackageManifest, OutOfRangeFieldsAreBadManifest) {
  auto with = [](auto edit, bool enc = true) {
    Manifest m = sample(enc);
    edit(m);
    return decode_error(encode_manifest(m));
  };
  EXPECT_EQ(with([](Manifest& m) { m.name = ""; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.name = "../etc/passwd"; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.name = "a\nb"; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.hardware = std::string(65, 'x'); }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.payload_kind = static_cast<PayloadKind>(9); }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.chunk_bytes = 16; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.recipients.clear(); }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.recipients[1].key_id = m.recipients[0].key_id; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.stored_size += 1; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.payload_size = uint64_t{1} << 40; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.expires_unix = int64_t{1} << 50; }), PackageErrorKind::kBadManifest);
  EXPECT_EQ(with([](Manifest& m) { m.stored_hash[0] ^= 1; }, false), PackageErrorKind::kBadManifest);
  // A recipient count far beyond the bytes present is refused before allocating.
  auto bytes = encode_manifest(sample(true));
  const size_t count_at = bytes.size() - 2 * (16 + kSealedKeyBytes) - 2;
  bytes[count_at] = 0xff;
  bytes[count_at + 1] = 0x00;
  EXPECT_EQ(decode_error(bytes), PackageErrorKind::kBadManifest);
}

TEST(PackageManifest, EncryptedSizeCountsOneTagPerChunk) {
  EXPECT_EQ(encrypted_size(0, 1024), 17u);
  EXPECT_EQ(encrypted_size(1, 1024), 18u);
  EXPECT_EQ(encrypted_size(1024, 1024), 1024u + 17u);
  EXPECT_EQ(encrypted_size(1025, 1024), 1025u + 34u);
  EXPECT_THROW(encrypted_size(~uint64_t{0}, 1024), PackageError);
}

TEST(PackageManifest, DatesAndVersions) {
  EXPECT_EQ(parse_date_unix("1970-01-02"), 86400);
  EXPECT_EQ(parse_date_unix("2030-01-01"), 1893456000);
  EXPECT_EQ(format_unix_date(1893456000 + 3600 * 5 + 60 * 7), "2030-01-01 05:07 UTC");
  for (const char* bad : {"2030-02-30", "2030-1-01", "20300101", "2030-01-01x", "1969-12-31", "", "2030-+1-01", "+030-01-01"})
    EXPECT_THROW(parse_date_unix(bad), Error) << bad;
  EXPECT_EQ(parse_semver("1.22.333").str(), "1.22.333");
  EXPECT_TRUE(parse_semver("0.9.9") < parse_semver("0.10.0"));
  EXPECT_FALSE(parse_semver("1.0.0") < parse_semver("1.0.0"));
  for (const char* bad : {"1.2", "1.2.3.4", "a.b.c", "1.2.-3", "70000.0.0", " 1.2.3"})
    EXPECT_THROW(parse_semver(bad), Error) << bad;
}

TEST(PackageManifest, PayloadKindFromMagic) {
  const uint8_t onnx[] = {0x08, 0x07, 0x12, 0x04};
  const uint8_t wisp[] = {0x10, 0, 0, 0, 'W', 'I', 'S', 'P'};
  const uint8_t other[] = {'P', 'K', 3, 4};
  EXPECT_EQ(detect_payload_kind(onnx, sizeof onnx), PayloadKind::kOnnx);
  EXPECT_EQ(detect_payload_kind(wisp, sizeof wisp), PayloadKind::kWisp);
  EXPECT_EQ(detect_payload_kind(other, sizeof other), PayloadKind::kUnknown);
}

}  // namespace
}  // namespace wisp::package
