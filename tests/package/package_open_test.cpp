// open_package against every attack the package format defends against: each must fail
// with its own PackageErrorKind, and the good package must round-trip byte for byte.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "ir/graph.hpp"
#include "onnx/onnx_importer.hpp"
#include "package/package.hpp"
#ifdef WISP_WITH_FORMAT
#include "format/wisp_format.hpp"
#endif
#include "package/payload_stream.hpp"
#include "package_test_util.hpp"

namespace wisp::package {
namespace {

using namespace testing;

PackageErrorKind open_error(const std::vector<uint8_t>& pkg, const OpenOptions& o) {
  try {
    open_package(pkg.data(), pkg.size(), o);
  } catch (const PackageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "package opened, but an error was expected";
  return PackageErrorKind::kIo;
}

std::vector<uint8_t> make(size_t payload, bool encrypted, PackOptions o = base_options()) {
  if (encrypted) o.recipients = {device().public_key()};
  o.chunk_bytes = 1024;
  const auto p = payload_bytes(payload);
  return create_package(p.data(), p.size(), o, publisher());
}

size_t manifest_len(const std::vector<uint8_t>& pkg) {
  return pkg[12] | (pkg[13] << 8) | (pkg[14] << 16) | (size_t{pkg[15]} << 24);
}

TEST(PackageOpen, RoundTripsClearAndEncryptedPayloads) {
  for (bool enc : {false, true}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{1023}, size_t{1024}, size_t{1025}, size_t{5000}}) {
      const auto pkg = make(n, enc);
      const OpenedPackage p = open_package(pkg.data(), pkg.size(), open_options());
      ASSERT_TRUE(p.decrypted);
      EXPECT_EQ(p.manifest.encrypted, enc);
      EXPECT_EQ(p.manifest.name, "demo");
      EXPECT_EQ(p.manifest.version, "1.2.3");
      EXPECT_EQ(p.manifest.counter, 7u);
      EXPECT_EQ(p.signer, publisher().public_key().id());
      const auto want = payload_bytes(n);
      ASSERT_EQ(p.payload.size(), n);
      EXPECT_TRUE(n == 0 || std::memcmp(p.payload.data(), want.data(), n) == 0) << "n=" << n << " enc=" << enc;
      if (enc && n > 16) {
        // The plaintext must not appear in the package.
        const auto it = std::search(pkg.begin(), pkg.end(), want.begin(), want.begin() + 16);
        EXPECT_EQ(it, pkg.end());
      }
    }
  }
}

TEST(PackageOpen, EveryRecipientCanDecryptOthersCannot) {
  PackOptions o = base_options();
  o.recipients = {other_device().public_key(), device().public_key()};
  const auto p = payload_bytes(3000);
  const auto pkg = create_package(p.data(), p.size(), o, publisher());
  for (const BoxSecretKey& k : {device(), other_device()}) {
    OpenOptions oo = open_options();
    oo.device_key = k;
    EXPECT_EQ(open_package(pkg.data(), pkg.size(), oo).payload.size(), 3000u);
  }
  OpenOptions stranger = open_options();
  stranger.device_key = box_key_from_seed(seed(9));
  EXPECT_EQ(open_error(pkg, stranger), PackageErrorKind::kNotRecipient);
  OpenOptions no_key = open_options();
  no_key.device_key.reset();
  EXPECT_EQ(open_error(pkg, no_key), PackageErrorKind::kNoDeviceKey);
  // Verification without decryption still works without a key.
  no_key.decrypt = false;
  EXPECT_FALSE(open_package(pkg.data(), pkg.size(), no_key).decrypted);
}

TEST(PackageOpen, WrongSigningKeyIsUntrustedSigner) {
  OpenOptions o = open_options();
  o.trusted = {other_publisher().public_key()};
  EXPECT_EQ(open_error(make(100, false), o), PackageErrorKind::kUntrustedSigner);
  // Several trusted keys: the one that signed is found.
  o.trusted.push_back(publisher().public_key());
  EXPECT_NO_THROW(open_package(make(100, false).data(), make(100, false).size(), o));
}

TEST(PackageOpen, ForgedSignerIdIsRejected) {
  // A package signed by another key but claiming the trusted key's id: bad signature.
  auto pkg = create_package(payload_bytes(10).data(), 10, base_options(), other_publisher());
  const KeyId trusted = publisher().public_key().id();
  std::memcpy(pkg.data() + 16, trusted.data(), trusted.size());
  EXPECT_EQ(open_error(pkg, open_options()), PackageErrorKind::kBadSignature);
}

TEST(PackageOpen, EveryTamperedManifestOrSignatureByteIsBadSignature) {
  for (bool enc : {false, true}) {
    const auto pkg = make(200, enc);
    const size_t m = manifest_len(pkg);
    // Every byte of manifest and signature, and the header fields after magic/version/len.
    for (size_t i = 16; i < 32 + m + 64; ++i) {
      auto bad = pkg;
      bad[i] ^= 0x01;
      const PackageErrorKind k = open_error(bad, open_options());
      if (i < 32) EXPECT_EQ(k, PackageErrorKind::kUntrustedSigner) << "byte " << i;
      else EXPECT_EQ(k, PackageErrorKind::kBadSignature) << "byte " << i << " enc=" << enc;
    }
  }
}

TEST(PackageOpen, TamperedPayloadIsDetectedClearAndCiphertext) {
  for (bool enc : {false, true}) {
    const auto pkg = make(3000, enc);
    const size_t start = 32 + manifest_len(pkg) + 64;
    for (size_t i : {start, start + 1, start + 1500, pkg.size() - 1}) {
      auto bad = pkg;
      bad[i] ^= 0x80;
      EXPECT_EQ(open_error(bad, open_options()), PackageErrorKind::kPayloadTampered) << "byte " << i << " enc=" << enc;
    }
    auto longer = pkg;
    longer.push_back(0);
    EXPECT_EQ(open_error(longer, open_options()), PackageErrorKind::kPayloadTampered);
  }
}

TEST(PackageOpen, EveryTruncationIsTruncated) {
  for (bool enc : {false, true}) {
    const auto pkg = make(2100, enc);  // 3 encrypted chunks of 1024
    for (size_t n = 0; n < pkg.size(); ++n) {
      const std::vector<uint8_t> cut(pkg.begin(), pkg.begin() + static_cast<std::ptrdiff_t>(n));
      ASSERT_EQ(open_error(cut, open_options()), PackageErrorKind::kTruncated) << "cut at " << n << " enc=" << enc;
    }
  }
}

TEST(PackageOpen, ExpiryIsValidThroughTheLastSecond) {
  PackOptions o = base_options();
  o.expires_unix = parse_date_unix("2030-06-01");
  const auto p = payload_bytes(10);
  const auto pkg = create_package(p.data(), p.size(), o, publisher());
  OpenOptions oo = open_options();
  oo.now_unix = o.expires_unix - 1;
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), oo));
  oo.now_unix = o.expires_unix;
  EXPECT_EQ(open_error(pkg, oo), PackageErrorKind::kExpired);
  oo.now_unix.reset();  // the real clock: 2030 is still ahead
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), oo));
}

TEST(PackageOpen, CounterBelowMinimumIsRollback) {
  const auto pkg = make(10, true);  // counter 7
  OpenOptions o = open_options();
  o.min_counter = 7;
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), o));
  o.min_counter = 8;
  EXPECT_EQ(open_error(pkg, o), PackageErrorKind::kRollback);
}

TEST(PackageOpen, HardwareTagMustMatch) {
  PackOptions po = base_options();
  po.hardware = "rpi4";
  const auto p = payload_bytes(10);
  const auto pkg = create_package(p.data(), p.size(), po, publisher());
  OpenOptions o = open_options();
  o.hardware = "rpi4";
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), o));
  o.hardware = "jetson";
  EXPECT_EQ(open_error(pkg, o), PackageErrorKind::kWrongHardware);
  o.hardware = "";  // an untagged device does not get a tagged package
  EXPECT_EQ(open_error(pkg, o), PackageErrorKind::kWrongHardware);
  o.check_hardware = false;
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), o));
  // An untagged package runs anywhere.
  const auto any = make(10, false);
  o.check_hardware = true;
  o.hardware = "jetson";
  EXPECT_NO_THROW(open_package(any.data(), any.size(), o));
}

TEST(PackageOpen, MinRuntimeTooNew) {
  PackOptions po = base_options();
  po.min_runtime = SemVer{0, 2, 0};
  const auto p = payload_bytes(10);
  const auto pkg = create_package(p.data(), p.size(), po, publisher());
  OpenOptions o = open_options();
  o.runtime = SemVer{0, 1, 9};
  EXPECT_EQ(open_error(pkg, o), PackageErrorKind::kRuntimeTooOld);
  o.runtime = SemVer{0, 2, 0};
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), o));
  o.runtime = SemVer{1, 0, 0};
  EXPECT_NO_THROW(open_package(pkg.data(), pkg.size(), o));
}

TEST(PackageOpen, BadMagicVersionReservedAndHugeManifest) {
  const auto pkg = make(10, false);
  auto bad = pkg;
  bad[0] = 'X';
  EXPECT_EQ(open_error(bad, open_options()), PackageErrorKind::kBadMagic);
  const std::vector<uint8_t> onnx = {0x08, 0x07, 0x12, 0x00};
  EXPECT_EQ(open_error(onnx, open_options()), PackageErrorKind::kBadMagic);
  bad = pkg;
  bad[8] = 2;
  EXPECT_EQ(open_error(bad, open_options()), PackageErrorKind::kUnsupportedVersion);
  bad = pkg;
  bad[11] = 1;
  EXPECT_EQ(open_error(bad, open_options()), PackageErrorKind::kUnsupportedVersion);
  bad = pkg;
  bad[15] = 0x7f;  // ~2 GiB manifest: refused before anything is read or allocated
  EXPECT_EQ(open_error(bad, open_options()), PackageErrorKind::kTooLarge);
}

TEST(PackageOpen, MaliciousSignerCannotOverflowTheOutputBuffer) {
  // A trusted but faulty signer: the manifest says 1000 plaintext bytes while the stream
  // holds a valid 2-chunk encryption of 2000 bytes truncated to fit. The stored hash and
  // sizes agree with the manifest, so only the stream checks can catch it.
  const auto plain = payload_bytes(2048);
  const ContentKey key = generate_content_key();
  Manifest m;
  m.name = "evil";
  m.version = "1";
  m.encrypted = true;
  m.chunk_bytes = 1024;
  std::vector<uint8_t> cipher;
  encrypt_payload(plain.data(), plain.size(), 1024, key, m.stream_header, cipher);
  // Keep only the first chunk (tagged MESSAGE, not FINAL) and declare 1024 plaintext bytes.
  cipher.resize(1024 + kStreamChunkOverhead);
  m.payload_size = 1024;
  m.payload_hash = hash_bytes(plain.data(), 1024);
  m.stored_size = cipher.size();
  m.stored_hash = hash_bytes(cipher.data(), cipher.size());
  Recipient r;
  const BoxPublicKey pk = device().public_key();
  r.key_id = pk.id();
  ASSERT_EQ(crypto_box_seal(r.sealed_key.data(), key.data(), key.size(), pk.bytes.data()), 0);
  m.recipients = {r};
  const auto pkg = assemble_package(m, cipher.data(), cipher.size(), publisher());
  EXPECT_EQ(open_error(pkg, open_options()), PackageErrorKind::kTruncated);

  // Same signer, the right ciphertext, but a plaintext hash that does not match.
  std::vector<uint8_t> full;
  Manifest m2 = m;
  encrypt_payload(plain.data(), plain.size(), 1024, key, m2.stream_header, full);
  m2.payload_size = plain.size();
  m2.payload_hash[0] ^= 1;
  m2.stored_size = full.size();
  m2.stored_hash = hash_bytes(full.data(), full.size());
  const auto pkg2 = assemble_package(m2, full.data(), full.size(), publisher());
  EXPECT_EQ(open_error(pkg2, open_options()), PackageErrorKind::kPayloadTampered);
}

TEST(PackageOpen, LoadsAnOnnxModelFromMemory) {
  std::ifstream f(std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx", std::ios::binary);
  const std::vector<uint8_t> onnx((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(onnx.size(), 1000u);
  PackOptions po = base_options();
  po.recipients = {device().public_key()};
  const auto pkg = create_package(onnx.data(), onnx.size(), po, publisher());
  const OpenedPackage p = open_package(pkg.data(), pkg.size(), open_options());
  EXPECT_EQ(p.manifest.payload_kind, PayloadKind::kOnnx);
  const std::shared_ptr<Model> model = load_package_model(p);
  ASSERT_TRUE(model);
  ASSERT_EQ(model->graph.inputs.size(), 1u);
  ASSERT_EQ(model->graph.outputs.size(), 1u);
  EXPECT_GE(model->graph.nodes().size(), 5u);
}


#ifdef WISP_WITH_FORMAT
// A .wisp payload: decrypted in memory and loaded through the .wisp verifier, with the
// same graph and weights as the model that was serialized.
TEST(PackageOpen, LoadsAWispModelFromMemory) {
  std::ifstream f(std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx", std::ios::binary);
  const std::vector<uint8_t> onnx((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::shared_ptr<Model> source = import_onnx_bytes(onnx.data(), onnx.size(), "");
  const std::vector<std::byte> wisp = format::serialize_wisp(*source, format::Metadata{}, nullptr);
  PackOptions po = base_options();
  po.recipients = {device().public_key()};
  const auto pkg = create_package(reinterpret_cast<const uint8_t*>(wisp.data()), wisp.size(), po, publisher());
  const OpenedPackage p = open_package(pkg.data(), pkg.size(), open_options());
  EXPECT_EQ(p.manifest.payload_kind, PayloadKind::kWisp);
  const std::shared_ptr<Model> model = load_package_model(p);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->graph.nodes().size(), source->graph.nodes().size());
  ASSERT_EQ(model->graph.outputs.size(), 1u);
  EXPECT_EQ(model->graph.outputs[0]->name, source->graph.outputs[0]->name);
}
#endif

}  // namespace
}  // namespace wisp::package
