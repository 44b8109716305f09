// Key generation, key text and key files. See keys.hpp for the formats and rules.
#include "package/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "package/package_error.hpp"

namespace wisp::package {

namespace {

constexpr const char* kSignSecretType = "wisp-ed25519-secret";
constexpr const char* kSignPublicType = "wisp-ed25519-public";
constexpr const char* kBoxSecretType = "wisp-x25519-secret";
constexpr const char* kBoxPublicType = "wisp-x25519-public";
constexpr size_t kMaxKeyTextBytes = 4096;

// std::string whose buffer is wiped when it goes: for key text that holds a secret.
struct WipedString {
  std::string s;
  ~WipedString() { secure_wipe(s.data(), s.size()); }
};

std::string encode(const char* type, const uint8_t* bytes, size_t n) {
  std::string b64(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), bytes, n, sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  std::string out = str_cat(type, ":", b64, "\n");
  secure_wipe(b64.data(), b64.size());
  return out;
}

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Decodes "<type>:<base64>" (or a bare base64/hex key when `bare_ok`) into exactly `n`
// bytes at `out`. Any other length, type or encoding is kBadKey.
void decode(const std::string& text_in, const char* type, bool bare_ok, uint8_t* out, size_t n,
            const std::string& where) {
  ensure_sodium();
  if (text_in.size() > kMaxKeyTextBytes)
    package_fail(PackageErrorKind::kBadKey, where, ": key text is ", text_in.size(), " bytes, over the ",
                 kMaxKeyTextBytes, "-byte limit; is this a key file?");
  WipedString text{text_in};
  while (!text.s.empty() && std::isspace(static_cast<unsigned char>(text.s.back()))) text.s.pop_back();
  size_t start = 0;
  while (start < text.s.size() && std::isspace(static_cast<unsigned char>(text.s[start]))) ++start;
  WipedString body{text.s.substr(start)};
  const size_t colon = body.s.find(':');
  if (colon != std::string::npos) {
    const std::string got = body.s.substr(0, colon);
    if (got != type)
      package_fail(PackageErrorKind::kBadKey, where, ": this is a '", got, "' key, but a '", type,
                   "' key is needed here (see `wisp keygen`)");
    body.s.erase(0, colon + 1);
  } else if (!bare_ok) {
    package_fail(PackageErrorKind::kBadKey, where, ": not a Wisp key file (expected a line '", type,
                 ":<base64>' as written by `wisp keygen`)");
  }
  size_t decoded = 0;
  bool ok;
  if (colon == std::string::npos && body.s.size() == 2 * n && is_hex(body.s)) {
    ok = sodium_hex2bin(out, n, body.s.data(), body.s.size(), nullptr, &decoded, nullptr) == 0;
  } else {
    ok = sodium_base642bin(out, n, body.s.data(), body.s.size(), nullptr, &decoded, nullptr,
                           sodium_base64_VARIANT_ORIGINAL) == 0;
  }
  if (!ok || decoded != n) {
    secure_wipe(out, n);
    package_fail(PackageErrorKind::kBadKey, where, ": the ", type, " key does not decode to ", n,
                 " bytes (base64", bare_ok ? " or hex" : "", " expected)");
  }
}

// Reads a small key file from one open descriptor; for secrets, the descriptor's own mode
// is checked (fstat, so the checked file is the read file).
std::string read_key_file(const std::string& path, bool secret) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    package_fail(PackageErrorKind::kIo, "cannot open key file ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    package_fail(PackageErrorKind::kIo, "key file ", path, " is not a regular file");
  }
  if (secret && (st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    package_fail(PackageErrorKind::kInsecureKeyFile, "secret key file ", path, " has mode ", mode,
                 ": group or others may read it, so it is refused; run `chmod 600 ", path,
                 "` (and consider the key exposed if others had access)");
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyTextBytes)) {
    ::close(fd);
    package_fail(PackageErrorKind::kBadKey, "key file ", path, " is ", st.st_size,
                 " bytes; a key file is one short line");
  }
  std::string text(kMaxKeyTextBytes, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t r = ::read(fd, text.data() + got, text.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  secure_wipe(text.data() + got, text.size() - got);
  text.resize(got);
  return text;
}

template <class Key, class Parse>
std::optional<Key> from_env(const char* variable, Parse parse) {
  const char* v = std::getenv(variable);
  if (!v || !*v) return std::nullopt;
  return parse(std::string(v), str_cat("environment variable ", variable));
}

}  // namespace

void ensure_sodium() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = sodium_init() >= 0; });
  if (!ok) fail(ErrorCode::kInternal, "libsodium failed to initialise (sodium_init)");
}

void secure_wipe(void* data, size_t size) {
  if (size) sodium_memzero(data, size);
}

KeyId key_id(const uint8_t* public_key, size_t size) {
  ensure_sodium();
  static constexpr char kLabel[] = "wisp-key-id-v1";
  KeyId id{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, id.size());
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1);
  crypto_generichash_update(&st, public_key, size);
  crypto_generichash_final(&st, id.data(), id.size());
  return id;
}

std::string key_id_hex(const KeyId& id) {
  char hex[2 * sizeof(KeyId) + 1];
  sodium_bin2hex(hex, sizeof hex, id.data(), id.size());
  return hex;
}

SigningPublicKey SigningSecretKey::public_key() const {
  SigningPublicKey pk;
  crypto_sign_ed25519_sk_to_pk(pk.bytes.data(), bytes.data());
  return pk;
}

BoxPublicKey BoxSecretKey::public_key() const {
  ensure_sodium();
  BoxPublicKey pk;
  crypto_scalarmult_base(pk.bytes.data(), bytes.data());
  return pk;
}

SigningSecretKey signing_key_from_seed(const std::array<uint8_t, 32>& seed) {
  ensure_sodium();
  SigningSecretKey sk;
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, sk.bytes.data(), seed.data());
  return sk;
}

BoxSecretKey box_key_from_seed(const std::array<uint8_t, 32>& seed) {
  ensure_sodium();
  BoxSecretKey sk;
  uint8_t pk[crypto_box_PUBLICKEYBYTES];
  crypto_box_seed_keypair(pk, sk.bytes.data(), seed.data());
  return sk;
}

SigningSecretKey generate_signing_key() {
  ensure_sodium();
  SigningSecretKey sk;
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, sk.bytes.data());
  return sk;
}

BoxSecretKey generate_box_key() {
  ensure_sodium();
  BoxSecretKey sk;
  uint8_t pk[crypto_box_PUBLICKEYBYTES];
  crypto_box_keypair(pk, sk.bytes.data());
  return sk;
}

std::string signing_secret_text(const SigningSecretKey& k) { return encode(kSignSecretType, k.bytes.data(), 64); }
std::string signing_public_text(const SigningPublicKey& k) { return encode(kSignPublicType, k.bytes.data(), 32); }
std::string box_secret_text(const BoxSecretKey& k) { return encode(kBoxSecretType, k.bytes.data(), 32); }
std::string box_public_text(const BoxPublicKey& k) { return encode(kBoxPublicType, k.bytes.data(), 32); }

SigningSecretKey parse_signing_secret(const std::string& text, const std::string& where) {
  // The environment may hold the 64-byte libsodium key or just its 32-byte seed.
  SigningSecretKey sk;
  try {
    decode(text, kSignSecretType, true, sk.bytes.data(), 64, where);
  } catch (const PackageError&) {
    SecretBytes<32> seed;
    try {
      decode(text, kSignSecretType, true, seed.data(), 32, where);
    } catch (const PackageError& e) {
      if (std::string(e.what()).find("does not decode") == std::string::npos) throw;
      package_fail(PackageErrorKind::kBadKey, where, ": a signing secret key must decode to 64 bytes (the key) or 32 ",
                   "bytes (its seed), as base64 or hex");
    }
    std::array<uint8_t, 32> s;
    std::memcpy(s.data(), seed.data(), 32);
    sk = signing_key_from_seed(s);
    secure_wipe(s.data(), s.size());
    return sk;
  }
  // The stored public half must be the one the seed derives, or signatures would not verify.
  uint8_t derived_pk[32], unused_sk[64];
  crypto_sign_seed_keypair(derived_pk, unused_sk, sk.bytes.data());
  secure_wipe(unused_sk, sizeof unused_sk);
  if (sodium_memcmp(derived_pk, sk.bytes.data() + 32, 32) != 0)
    package_fail(PackageErrorKind::kBadKey, where, ": the signing key is inconsistent (its public half does "
                 "not match its seed); regenerate it with `wisp keygen`");
  return sk;
}

SigningPublicKey parse_signing_public(const std::string& text, const std::string& where) {
  SigningPublicKey pk;
  decode(text, kSignPublicType, false, pk.bytes.data(), 32, where);
  return pk;
}

BoxSecretKey parse_box_secret(const std::string& text, const std::string& where) {
  BoxSecretKey sk;
  decode(text, kBoxSecretType, true, sk.bytes.data(), 32, where);
  return sk;
}

BoxPublicKey parse_box_public(const std::string& text, const std::string& where) {
  BoxPublicKey pk;
  decode(text, kBoxPublicType, false, pk.bytes.data(), 32, where);
  return pk;
}

SigningSecretKey read_signing_secret_file(const std::string& path) {
  WipedString t{read_key_file(path, true)};
  return parse_signing_secret(t.s, path);
}
SigningPublicKey read_signing_public_file(const std::string& path) {
  return parse_signing_public(read_key_file(path, false), path);
}
BoxSecretKey read_box_secret_file(const std::string& path) {
  WipedString t{read_key_file(path, true)};
  return parse_box_secret(t.s, path);
}
BoxPublicKey read_box_public_file(const std::string& path) {
  return parse_box_public(read_key_file(path, false), path);
}

std::optional<SigningSecretKey> signing_secret_from_env(const char* variable) {
  return from_env<SigningSecretKey>(variable, parse_signing_secret);
}
std::optional<BoxSecretKey> box_secret_from_env(const char* variable) {
  return from_env<BoxSecretKey>(variable, parse_box_secret);
}

void write_new_file(const std::string& path, const void* data, size_t size, unsigned mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    package_fail(PackageErrorKind::kIo, "cannot create ", path, ": ", std::strerror(errno),
                 errno == EEXIST ? " (refusing to overwrite; remove it first)" : "");
  // fchmod sets the exact mode whatever the umask (public keys 0644, secrets stay 0600).
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  const auto* p = static_cast<const char*>(data);
  size_t done = 0;
  while (ok && done < size) {
    const ssize_t w = ::write(fd, p + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ok = false;
    else done += static_cast<size_t>(w);
  }
  const int err = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(path.c_str());
    package_fail(PackageErrorKind::kIo, "cannot write ", path, ": ", std::strerror(err));
  }
}

KeygenResult write_new_key_files(const std::string& prefix) {
  KeygenResult r;
  const std::string names[4] = {prefix + ".sign.key", prefix + ".sign.pub", prefix + ".box.key", prefix + ".box.pub"};
  struct stat st {};
  for (const std::string& n : names)
    if (::lstat(n.c_str(), &st) == 0)
      package_fail(PackageErrorKind::kIo, n, " already exists; refusing to overwrite a key (choose another --out)");
  const SigningSecretKey sign = generate_signing_key();
  const BoxSecretKey box = generate_box_key();
  const std::string texts[4] = {signing_secret_text(sign), signing_public_text(sign.public_key()),
                                box_secret_text(box), box_public_text(box.public_key())};
  const unsigned modes[4] = {0600, 0644, 0600, 0644};
  try {
    for (int i = 0; i < 4; ++i) {
      write_new_file(names[i], texts[i].data(), texts[i].size(), modes[i]);
      r.paths.push_back(names[i]);
    }
  } catch (...) {
    for (const std::string& p : r.paths) ::unlink(p.c_str());
    for (const std::string& t : texts) secure_wipe(const_cast<char*>(t.data()), t.size());
    throw;
  }
  for (const std::string& t : texts) secure_wipe(const_cast<char*>(t.data()), t.size());
  r.signing_id = sign.public_key().id();
  r.box_id = box.public_key().id();
  return r;
}

}  // namespace wisp::package
