#include "deploy/request_auth.hpp"

#include <sodium.h>

#include <chrono>
#include <cstdlib>

#include "core/sha256.hpp"
#include "core/status.hpp"

namespace wisp::deploy {

bool valid_device_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string hex_encode(const uint8_t* data, size_t size) {
  static const char* k = "0123456789abcdef";
  std::string s(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    s[2 * i] = k[data[i] >> 4];
    s[2 * i + 1] = k[data[i] & 15];
  }
  return s;
}

std::string sha256_hex(std::string_view bytes) {
  const Sha256Digest d = sha256(bytes.data(), bytes.size());
  return hex_encode(d.data(), d.size());
}

std::string base64_encode(const uint8_t* data, size_t size) {
  package::ensure_sodium();
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string base64_decode(std::string_view text) {
  package::ensure_sodium();
  std::string out(text.size(), '\0');
  size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    fail(ErrorCode::kInvalidArgument, "malformed base64 (", text.size(), " characters)");
  out.resize(n);
  return out;
}

std::string canonical_request(std::string_view method, std::string_view path_with_query, int64_t time,
                              std::string_view nonce_hex, std::string_view body) {
  return str_cat("wisp-v1\n", method, "\n", path_with_query, "\n", time, "\n", nonce_hex, "\n", sha256_hex(body));
}

std::map<std::string, std::string> sign_request(const std::string& device_id,
                                                const package::SigningSecretKey& identity, std::string_view method,
                                                std::string_view path_with_query, std::string_view body,
                                                int64_t time) {
  package::ensure_sodium();
  if (time < 0)
    time = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
               .count();
  uint8_t nonce[16];
  randombytes_buf(nonce, sizeof nonce);
  const std::string nonce_hex = hex_encode(nonce, sizeof nonce);
  const std::string msg = canonical_request(method, path_with_query, time, nonce_hex, body);
  uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                       identity.bytes.data());
  return {{std::string(kHeaderDevice), device_id},
          {std::string(kHeaderTime), std::to_string(time)},
          {std::string(kHeaderNonce), nonce_hex},
          {std::string(kHeaderSignature), base64_encode(sig, sizeof sig)}};
}

std::string verify_request(const AuthHeaders& h, const package::SigningPublicKey& identity, std::string_view method,
                           std::string_view path_with_query, std::string_view body, int64_t now) {
  package::ensure_sodium();
  if (!valid_device_id(h.device)) return "missing or malformed X-Wisp-Device";
  if (h.time.empty() || h.time.size() > 19 || h.time.find_first_not_of("0123456789") != std::string::npos)
    return "missing or malformed X-Wisp-Time";
  const int64_t t = std::strtoll(h.time.c_str(), nullptr, 10);
  if (t > now + kMaxClockSkewS || t < now - kMaxClockSkewS) return "X-Wisp-Time is outside the allowed clock skew";
  if (h.nonce.size() != 32 || h.nonce.find_first_not_of("0123456789abcdef") != std::string::npos)
    return "missing or malformed X-Wisp-Nonce (32 lowercase hex)";
  std::string sig;
  try {
    sig = base64_decode(h.signature);
  } catch (const Error&) {
    return "malformed X-Wisp-Signature (base64)";
  }
  if (sig.size() != crypto_sign_BYTES) return "malformed X-Wisp-Signature (not 64 bytes)";
  const std::string msg = canonical_request(method, path_with_query, t, h.nonce, body);
  if (crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(sig.data()),
                                  reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                                  identity.bytes.data()) != 0)
    return "bad request signature";
  return "";
}

}  // namespace wisp::deploy
