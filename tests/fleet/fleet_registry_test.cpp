// Package uploads: accepted only when signed by a registered key and intact; never
// decrypted; stored once by sha256; size-capped.
#include <fstream>

#include "fleet/device_auth.hpp"
#include "fleet/package_registry.hpp"
#include "fleet_test_util.hpp"

namespace wisp::fleet {
namespace {

using namespace testing;

class FleetRegistry : public ::testing::Test {
 protected:
  TempDir dir;
  FleetStore store{open_sqlite_database((dir.path / "f.db").string())};
  PackageRegistry registry{store, (dir.path / "pkgs").string(), 1 << 20};
  const int64_t now = 1'800'000'000;
  void SetUp() override {
    const auto pk = publisher().public_key();
    store.add_signing_key({package::key_id_hex(pk.id()), "pub", to_base64(pk.bytes.data(), 32)}, now);
  }
  package::PackageErrorKind refusal(const std::string& bytes) {
    try {
      registry.upload(bytes, now);
    } catch (const package::PackageError& e) {
      return e.kind();
    }
    ADD_FAILURE() << "upload was accepted";
    return package::PackageErrorKind::kIo;
  }
};

TEST_F(FleetRegistry, AcceptsASignedEncryptedPackageAndStoresItByHash) {
  const std::string bytes = make_package("2.0.0", 5, "rpi4");
  const PackageRecord p = registry.upload(bytes, now);
  EXPECT_EQ(p.name, "demo");
  EXPECT_EQ(p.version, "2.0.0");
  EXPECT_EQ(p.counter, 5);
  EXPECT_EQ(p.hardware, "rpi4");
  EXPECT_EQ(p.size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(p.package_id, "pkg-" + p.sha256.substr(0, 16));
  std::ifstream in(registry.path_of(p), std::ios::binary);
  const std::string stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(stored, bytes);
  EXPECT_EQ(registry.upload(bytes, now + 1).package_id, p.package_id);  // idempotent
  EXPECT_EQ(store.packages().size(), 1u);
}

TEST_F(FleetRegistry, RefusesUnknownSignerTamperingTruncationAndExpiry) {
  using K = package::PackageErrorKind;
  EXPECT_EQ(refusal(make_package("1", 1, "", 0, package::testing::other_publisher())), K::kUntrustedSigner);
  std::string tampered = make_package("1", 1);
  tampered[tampered.size() - 10] ^= 0x01;  // ciphertext
  EXPECT_EQ(refusal(tampered), K::kPayloadTampered);
  std::string manifest = make_package("1", 1);
  manifest[40] ^= 0x01;  // inside the signed manifest
  EXPECT_EQ(refusal(manifest), K::kBadSignature);
  const std::string whole = make_package("1", 1);
  EXPECT_EQ(refusal(whole.substr(0, whole.size() - 100)), K::kTruncated);
  EXPECT_EQ(refusal(make_package("1", 1, "", now - 10)), K::kExpired);
  EXPECT_EQ(refusal("not a package at all"), K::kBadMagic);
  EXPECT_TRUE(store.packages().empty());
}

TEST_F(FleetRegistry, RefusesOversizedUploadsBeforeParsing) {
  PackageRegistry small(store, (dir.path / "small").string(), 100);
  try {
    small.upload(make_package("1", 1), now);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kResourceExhausted);
  }
}

TEST_F(FleetRegistry, RefusesEverythingWhileNoKeyIsRegistered) {
  TempDir other;
  FleetStore empty{open_sqlite_database((other.path / "e.db").string())};
  PackageRegistry r(empty, (other.path / "p").string(), 1 << 20);
  EXPECT_THROW(r.upload(make_package("1", 1), now), Error);
}

}  // namespace
}  // namespace wisp::fleet
