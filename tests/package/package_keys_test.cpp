// Key files, key text and the environment: modes, refusals and accepted encodings.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "package/keys.hpp"
#include "package/package_error.hpp"
#include "package_test_util.hpp"

namespace wisp::package {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("wisp_keys_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

template <class F>
PackageErrorKind error_of(F f) {
  try {
    f();
  } catch (const PackageError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no PackageError";
  return PackageErrorKind::kIo;
}

TEST(PackageKeys, KeygenWritesFourFilesWithStrictModesAndNeverOverwrites) {
  TempDir dir;
  const std::string prefix = (dir.path / "fleet").string();
  const mode_t old_umask = ::umask(0);  // a permissive umask must not loosen secrets
  const KeygenResult r = write_new_key_files(prefix);
  ::umask(old_umask);
  ASSERT_EQ(r.paths.size(), 4u);
  EXPECT_EQ(mode_of(prefix + ".sign.key"), 0600u);
  EXPECT_EQ(mode_of(prefix + ".box.key"), 0600u);
  EXPECT_EQ(mode_of(prefix + ".sign.pub"), 0644u);
  EXPECT_EQ(mode_of(prefix + ".box.pub"), 0644u);
  const SigningSecretKey sk = read_signing_secret_file(prefix + ".sign.key");
  const SigningPublicKey pk = read_signing_public_file(prefix + ".sign.pub");
  EXPECT_EQ(sk.public_key().bytes, pk.bytes);
  EXPECT_EQ(pk.id(), r.signing_id);
  const BoxSecretKey bsk = read_box_secret_file(prefix + ".box.key");
  EXPECT_EQ(bsk.public_key().bytes, read_box_public_file(prefix + ".box.pub").bytes);
  EXPECT_EQ(bsk.public_key().id(), r.box_id);

  const std::string before = [&] { std::ifstream f(prefix + ".sign.key"); return std::string(std::istreambuf_iterator<char>(f), {}); }();
  EXPECT_EQ(error_of([&] { write_new_key_files(prefix); }), PackageErrorKind::kIo);
  const std::string after = [&] { std::ifstream f(prefix + ".sign.key"); return std::string(std::istreambuf_iterator<char>(f), {}); }();
  EXPECT_EQ(before, after);
}

TEST(PackageKeys, SecretKeyReadableByOthersIsRefused) {
  TempDir dir;
  const std::string prefix = (dir.path / "k").string();
  write_new_key_files(prefix);
  for (unsigned mode : {0640u, 0604u, 0660u, 0644u}) {
    ASSERT_EQ(::chmod((prefix + ".sign.key").c_str(), mode), 0);
    EXPECT_EQ(error_of([&] { read_signing_secret_file(prefix + ".sign.key"); }), PackageErrorKind::kInsecureKeyFile);
    ASSERT_EQ(::chmod((prefix + ".box.key").c_str(), mode), 0);
    EXPECT_EQ(error_of([&] { read_box_secret_file(prefix + ".box.key"); }), PackageErrorKind::kInsecureKeyFile);
  }
  ASSERT_EQ(::chmod((prefix + ".box.key").c_str(), 0400), 0);
  EXPECT_NO_THROW(read_box_secret_file(prefix + ".box.key"));
  // Public keys may be world-readable.
  EXPECT_NO_THROW(read_box_public_file(prefix + ".box.pub"));
}

TEST(PackageKeys, KeyOfTheWrongTypeIsRefused) {
  TempDir dir;
  const std::string prefix = (dir.path / "k").string();
  write_new_key_files(prefix);
  EXPECT_EQ(error_of([&] { read_signing_public_file(prefix + ".box.pub"); }), PackageErrorKind::kBadKey);
  EXPECT_EQ(error_of([&] { read_box_public_file(prefix + ".sign.pub"); }), PackageErrorKind::kBadKey);
  EXPECT_EQ(error_of([&] { read_box_secret_file(prefix + ".sign.key"); }), PackageErrorKind::kBadKey);
  EXPECT_EQ(error_of([&] { read_signing_public_file((dir.path / "missing.pub").string()); }), PackageErrorKind::kIo);
  EXPECT_EQ(error_of([&] { parse_box_public("wisp-x25519-public:AAAA", "test"); }), PackageErrorKind::kBadKey);
  EXPECT_EQ(error_of([&] { parse_box_public("not a key", "test"); }), PackageErrorKind::kBadKey);
}

TEST(PackageKeys, TextRoundTripsAndEnvironmentAcceptsBase64HexAndSeed) {
  const SigningSecretKey sk = testing::publisher();
  EXPECT_EQ(parse_signing_secret(signing_secret_text(sk), "t").public_key().bytes, sk.public_key().bytes);
  const BoxSecretKey bk = testing::device();
  EXPECT_EQ(parse_box_secret(box_secret_text(bk), "t").public_key().bytes, bk.public_key().bytes);

  // Hex of the 32-byte seed (what a secrets manager might hold).
  const auto seed = testing::seed(1);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, seed.data(), seed.size());
  ASSERT_EQ(::setenv("WISP_TEST_SIGNING_KEY", hex, 1), 0);
  auto from_env = signing_secret_from_env("WISP_TEST_SIGNING_KEY");
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->public_key().bytes, sk.public_key().bytes);
  // Bare base64 of the 64-byte key.
  char b64[128];
  sodium_bin2base64(b64, sizeof b64, sk.bytes.data(), 64, sodium_base64_VARIANT_ORIGINAL);
  ASSERT_EQ(::setenv("WISP_TEST_SIGNING_KEY", b64, 1), 0);
  EXPECT_EQ(signing_secret_from_env("WISP_TEST_SIGNING_KEY")->public_key().bytes, sk.public_key().bytes);
  // Hex box key.
  sodium_bin2hex(hex, sizeof hex, bk.bytes.data(), 32);
  ASSERT_EQ(::setenv("WISP_TEST_DEVICE_KEY", hex, 1), 0);
  EXPECT_EQ(box_secret_from_env("WISP_TEST_DEVICE_KEY")->public_key().bytes, bk.public_key().bytes);
  // Garbage is an error, unset is "none".
  ASSERT_EQ(::setenv("WISP_TEST_DEVICE_KEY", "zz", 1), 0);
  EXPECT_EQ(error_of([] { box_secret_from_env("WISP_TEST_DEVICE_KEY"); }), PackageErrorKind::kBadKey);
  ::unsetenv("WISP_TEST_DEVICE_KEY");
  ::unsetenv("WISP_TEST_SIGNING_KEY");
  EXPECT_FALSE(box_secret_from_env("WISP_TEST_DEVICE_KEY"));
  EXPECT_FALSE(signing_secret_from_env("WISP_TEST_SIGNING_KEY"));
}

TEST(PackageKeys, InconsistentSigningKeyIsRefused) {
  SigningSecretKey sk = testing::publisher();
  sk.bytes.data()[40] ^= 1;  // public half no longer matches the seed
  EXPECT_EQ(error_of([&] { parse_signing_secret(signing_secret_text(sk), "t"); }), PackageErrorKind::kBadKey);
}

TEST(PackageKeys, SecretBytesAreWipedOnMove) {
  SecretBytes<8> a;
  a.data()[0] = 42;
  SecretBytes<8> b(std::move(a));
  EXPECT_EQ(b.data()[0], 42);
  EXPECT_EQ(a.data()[0], 0);  // NOLINT(bugprone-use-after-move): the point of the test
}

}  // namespace
}  // namespace wisp::package
