// Manifest codec and the small helpers of the container format (package_format.hpp).
#include "package/package_format.hpp"

#include <sodium.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "package/package_error.hpp"

#ifndef WISP_VERSION_STRING
#define WISP_VERSION_STRING "0.0.0"
#endif

namespace wisp::package {

namespace {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void bytes(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
  void str(const std::string& s) {
    WISP_ASSERT(s.size() <= 0xffff);
    u16(static_cast<uint16_t>(s.size()));
    bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  uint8_t u8(const char* field) { return static_cast<uint8_t>(le(1, field)); }
  uint16_t u16(const char* field) { return static_cast<uint16_t>(le(2, field)); }
  uint32_t u32(const char* field) { return static_cast<uint32_t>(le(4, field)); }
  uint64_t u64(const char* field) { return le(8, field); }
  void bytes(uint8_t* out, size_t n, const char* field) {
    need(n, field);
    std::memcpy(out, p_ + pos_, n);
    pos_ += n;
  }
  // A u16-length string of 0..max bytes from a restricted alphabet (no control characters,
  // nothing a terminal or a path could misread): [A-Za-z0-9._+-].
  std::string str(const char* field, size_t min, size_t max) {
    const size_t at = pos_;
    const size_t len = u16(field);
    if (len < min || len > max)
      bad(field, at, str_cat("length ", len, " is outside ", min, "..", max));
    need(len, field);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+'))
        bad(field, at, "contains a character outside [A-Za-z0-9._+-]");
    pos_ += len;
    return s;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return n_ - pos_; }
  [[noreturn]] void bad(const char* field, size_t at, const std::string& why) {
    package_fail(PackageErrorKind::kBadManifest, "package manifest field '", field, "' at manifest offset ", at,
                 ": ", why);
  }

 private:
  void need(size_t n, const char* field) {
    if (n > n_ - pos_) bad(field, pos_, str_cat("needs ", n, " bytes but the manifest ends after ", n_ - pos_));
  }
  uint64_t le(int n, const char* field) {
    need(static_cast<size_t>(n), field);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

}  // namespace

const char* payload_kind_name(PayloadKind kind) {
  switch (kind) {
    case PayloadKind::kOnnx: return "onnx";
    case PayloadKind::kWisp: return "wisp";
    case PayloadKind::kUnknown: break;
  }
  return "unknown";
}

PayloadKind detect_payload_kind(const uint8_t* data, size_t size) {
  // .wisp files are FlatBuffers with file identifier "WISP" at offset 4; ONNX ModelProto
  // starts with field 1 (ir_version, varint): tag byte 0x08.
  if (size >= 8 && std::memcmp(data + 4, "WISP", 4) == 0) return PayloadKind::kWisp;
  if (size >= 2 && data[0] == 0x08) return PayloadKind::kOnnx;
  return PayloadKind::kUnknown;
}

bool SemVer::operator<(const SemVer& o) const {
  if (major != o.major) return major < o.major;
  if (minor != o.minor) return minor < o.minor;
  return patch < o.patch;
}

std::string SemVer::str() const { return str_cat(major, ".", minor, ".", patch); }

SemVer parse_semver(const std::string& text) {
  unsigned a = 0, b = 0, c = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%5u.%5u.%5u%n", &a, &b, &c, &used) != 3 || used != static_cast<int>(text.size()) ||
      a > 0xffff || b > 0xffff || c > 0xffff || !std::isdigit(static_cast<unsigned char>(text[0])))
    fail(ErrorCode::kInvalidArgument, "version '", text, "' is not MAJOR.MINOR.PATCH (e.g. 0.1.0)");
  return SemVer{static_cast<uint16_t>(a), static_cast<uint16_t>(b), static_cast<uint16_t>(c)};
}

SemVer runtime_version() {
  static const SemVer v = parse_semver(WISP_VERSION_STRING);
  return v;
}

std::vector<uint8_t> encode_manifest(const Manifest& m) {
  Writer w;
  w.str(m.name);
  w.str(m.version);
  w.u64(m.counter);
  w.str(m.hardware);
  w.u64(static_cast<uint64_t>(m.expires_unix));
  w.u16(m.min_runtime.major);
  w.u16(m.min_runtime.minor);
  w.u16(m.min_runtime.patch);
  w.u8(static_cast<uint8_t>(m.payload_kind));
  w.u64(m.payload_size);
  w.bytes(m.payload_hash.data(), kHashBytes);
  w.u64(m.stored_size);
  w.bytes(m.stored_hash.data(), kHashBytes);
  w.u8(m.encrypted ? 1 : 0);
  if (m.encrypted) {
    w.bytes(m.stream_header.data(), kStreamHeaderBytes);
    w.u32(m.chunk_bytes);
    w.u16(static_cast<uint16_t>(m.recipients.size()));
    for (const Recipient& r : m.recipients) {
      w.bytes(r.key_id.data(), r.key_id.size());
      w.bytes(r.sealed_key.data(), kSealedKeyBytes);
    }
  }
  std::vector<uint8_t> out = w.take();
  WISP_ASSERT(out.size() <= kMaxManifestBytes);
  return out;
}

uint64_t encrypted_size(uint64_t payload_size, uint32_t chunk_bytes) {
  if (chunk_bytes == 0) package_fail(PackageErrorKind::kBadManifest, "chunk size is 0");
  // Every chunk, the last included (an empty payload still has one FINAL chunk), adds ABYTES.
  const uint64_t chunks = payload_size == 0 ? 1 : (payload_size - 1) / chunk_bytes + 1;
  uint64_t overhead = 0, total = 0;
  if (__builtin_mul_overflow(chunks, uint64_t{kStreamChunkOverhead}, &overhead) ||
      __builtin_add_overflow(payload_size, overhead, &total))
    package_fail(PackageErrorKind::kBadManifest, "encrypted payload size overflows");
  return total;
}

Manifest decode_manifest(const uint8_t* data, size_t size) {
  if (size > kMaxManifestBytes)
    package_fail(PackageErrorKind::kTooLarge, "package manifest is ", size, " bytes, over the ", kMaxManifestBytes,
                 "-byte limit");
  Reader r(data, size);
  Manifest m;
  m.name = r.str("name", 1, kMaxNameBytes);
  m.version = r.str("version", 1, kMaxVersionBytes);
  m.counter = r.u64("counter");
  m.hardware = r.str("hardware", 0, kMaxHardwareBytes);
  size_t at = r.pos();
  const uint64_t expires = r.u64("expires");
  if (expires > (uint64_t{1} << 40)) r.bad("expires", at, "date is out of range");
  m.expires_unix = static_cast<int64_t>(expires);
  m.min_runtime.major = r.u16("min_runtime.major");
  m.min_runtime.minor = r.u16("min_runtime.minor");
  m.min_runtime.patch = r.u16("min_runtime.patch");
  at = r.pos();
  const uint8_t kind = r.u8("payload_kind");
  if (kind > static_cast<uint8_t>(PayloadKind::kWisp)) r.bad("payload_kind", at, str_cat("unknown kind ", int{kind}));
  m.payload_kind = static_cast<PayloadKind>(kind);
  at = r.pos();
  m.payload_size = r.u64("payload_size");
  if (m.payload_size > kMaxPayloadBytes)
    r.bad("payload_size", at, str_cat(m.payload_size, " bytes is over the ", kMaxPayloadBytes, "-byte limit"));
  r.bytes(m.payload_hash.data(), kHashBytes, "payload_hash");
  at = r.pos();
  m.stored_size = r.u64("stored_size");
  r.bytes(m.stored_hash.data(), kHashBytes, "stored_hash");
  at = r.pos();
  const uint8_t enc = r.u8("encrypted");
  if (enc > 1) r.bad("encrypted", at, "must be 0 or 1");
  m.encrypted = enc == 1;
  if (m.encrypted) {
    r.bytes(m.stream_header.data(), kStreamHeaderBytes, "stream_header");
    at = r.pos();
    m.chunk_bytes = r.u32("chunk_bytes");
    if (m.chunk_bytes < kMinChunkBytes || m.chunk_bytes > kMaxChunkBytes)
      r.bad("chunk_bytes", at, str_cat(m.chunk_bytes, " is outside ", kMinChunkBytes, "..", kMaxChunkBytes));
    at = r.pos();
    const size_t count = r.u16("recipient_count");
    if (count == 0 || count > kMaxRecipients)
      r.bad("recipient_count", at, str_cat(count, " is outside 1..", kMaxRecipients));
    if (count * (sizeof(KeyId) + kSealedKeyBytes) > r.left())
      r.bad("recipients", r.pos(), str_cat(count, " recipients do not fit in the ", r.left(), " bytes left"));
    m.recipients.resize(count);
    for (size_t i = 0; i < count; ++i) {
      at = r.pos();
      r.bytes(m.recipients[i].key_id.data(), sizeof(KeyId), "recipient.key_id");
      r.bytes(m.recipients[i].sealed_key.data(), kSealedKeyBytes, "recipient.sealed_key");
      for (size_t j = 0; j < i; ++j)
        if (m.recipients[j].key_id == m.recipients[i].key_id) r.bad("recipient.key_id", at, "duplicate recipient");
    }
    if (m.stored_size != encrypted_size(m.payload_size, m.chunk_bytes))
      r.bad("stored_size", 0, str_cat(m.stored_size, " does not match ", m.payload_size,
                                      " plaintext bytes in chunks of ", m.chunk_bytes));
  } else if (m.stored_size != m.payload_size || m.stored_hash != m.payload_hash) {
    r.bad("stored_size", 0, "an unencrypted payload must be stored as is (stored size/hash == payload size/hash)");
  }
  if (r.left() != 0) r.bad("end", r.pos(), str_cat(r.left(), " trailing bytes after the last field"));
  return m;
}

std::array<uint8_t, kHashBytes> hash_bytes(const uint8_t* data, size_t size) {
  ensure_sodium();
  std::array<uint8_t, kHashBytes> h{};
  crypto_generichash(h.data(), h.size(), data, size, nullptr, 0);
  return h;
}

int64_t parse_date_unix(const std::string& text) {
  using namespace std::chrono;
  int y = 0;
  unsigned mo = 0, d = 0;
  int used = 0;
  bool digits = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; digits && i < text.size(); ++i)
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(text[i]))) digits = false;
  if (!digits || std::sscanf(text.c_str(), "%4d-%2u-%2u%n", &y, &mo, &d, &used) != 3 || used != 10)
    fail(ErrorCode::kInvalidArgument, "date '", text, "' is not YYYY-MM-DD");
  const year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok() || y < 1970) fail(ErrorCode::kInvalidArgument, "date '", text, "' is not a valid date (1970 or later)");
  return static_cast<int64_t>(sys_days{ymd}.time_since_epoch().count()) * 86400;
}

std::string format_unix_date(int64_t unix_seconds) {
  using namespace std::chrono;
  const sys_days day{days{unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400}};
  const year_month_day ymd{day};
  const int64_t sod = unix_seconds - static_cast<int64_t>(day.time_since_epoch().count()) * 86400;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(sod / 3600),
                static_cast<int>(sod % 3600 / 60));
  return buf;
}

}  // namespace wisp::package
