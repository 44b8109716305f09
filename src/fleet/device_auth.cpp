#include "fleet/device_auth.hpp"

#include <sodium.h>

#include <cstring>

#include "core/sha256.hpp"
#include "fleet/fleet_store.hpp"

namespace wisp::fleet {

std::string to_hex(const uint8_t* data, size_t size) {
  static const char* kDigits = "0123456789abcdef";
  std::string s(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

std::string to_base64(const uint8_t* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> from_base64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

bool valid_device_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string request_signing_bytes(const std::string& method, const std::string& path_with_query, int64_t time,
                                  const std::string& nonce, const std::string& body) {
  const Sha256Digest h = sha256(body.data(), body.size());
  return "wisp-v1\n" + method + "\n" + path_with_query + "\n" + std::to_string(time) + "\n" + nonce + "\n" +
         to_hex(h.data(), h.size());
}

std::map<std::string, std::string> sign_device_request(const std::string& device_id,
                                                       const package::SigningSecretKey& identity,
                                                       const std::string& method, const std::string& path_with_query,
                                                       const std::string& body, int64_t now,
                                                       const std::string& nonce_hex) {
  package::ensure_sodium();
  std::string nonce = nonce_hex;
  if (nonce.empty()) {
    uint8_t raw[16];
    randombytes_buf(raw, sizeof raw);
    nonce = to_hex(raw, sizeof raw);
  }
  const std::string msg = request_signing_bytes(method, path_with_query, now, nonce, body);
  uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), identity.bytes.data());
  return {{"X-Wisp-Device", device_id},
          {"X-Wisp-Time", std::to_string(now)},
          {"X-Wisp-Nonce", nonce},
          {"X-Wisp-Signature", to_base64(sig, sizeof sig)}};
}

std::optional<package::SigningPublicKey> parse_identity_key(const std::string& text) {
  try {
    if (text.rfind("wisp-", 0) == 0) return package::parse_signing_public(text, "identity_public_key");
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto raw = from_base64(text);
  if (!raw || raw->size() != 32) return std::nullopt;
  package::SigningPublicKey k;
  std::memcpy(k.bytes.data(), raw->data(), 32);
  return k;
}

AuthOutcome authenticate_device_headers(FleetStore& store, const std::string& device_id, const std::string& time_text,
                                        const std::string& nonce, const std::string& signature_b64,
                                        const std::string& method, const std::string& path_with_query,
                                        const std::string& body, int64_t now, int64_t max_skew_s,
                                        int64_t nonce_window_s) {
  package::ensure_sodium();
  AuthOutcome out;
  auto deny = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  if (device_id.empty() || time_text.empty() || nonce.empty() || signature_b64.empty())
    return deny("missing device authentication headers (X-Wisp-Device, X-Wisp-Time, X-Wisp-Nonce, X-Wisp-Signature)");
  if (!valid_device_id(device_id)) return deny("malformed device id");
  if (nonce.size() != 32 || nonce.find_first_not_of("0123456789abcdef") != std::string::npos)
    return deny("X-Wisp-Nonce must be 32 lowercase hex digits");
  int64_t t = 0;
  try {
    size_t used = 0;
    t = std::stoll(time_text, &used);
    if (used != time_text.size()) return deny("X-Wisp-Time is not an integer");
  } catch (const std::exception&) {
    return deny("X-Wisp-Time is not an integer");
  }
  if (t > now + max_skew_s || t < now - max_skew_s)
    return deny("request time " + time_text + " is more than " + std::to_string(max_skew_s) +
                " s from the server clock (" + std::to_string(now) + "); fix the device clock");
  const std::optional<DeviceRecord> dev = store.device(device_id);
  if (!dev) return deny("unknown device '" + device_id + "' (enrol it first)");
  const auto key = parse_identity_key(dev->identity_public_key);
  if (!key) return deny("device '" + device_id + "' has an unusable enrolled identity key");
  const auto sig = from_base64(signature_b64);
  if (!sig || sig->size() != crypto_sign_BYTES) return deny("X-Wisp-Signature is not a base64 Ed25519 signature");
  const std::string msg = request_signing_bytes(method, path_with_query, t, nonce, body);
  if (crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(sig->data()),
                                  reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), key->bytes.data()) != 0)
    return deny("bad request signature for device '" + device_id + "'");
  // Checked last: only a request with a valid signature may spend a nonce.
  if (!store.remember_nonce(device_id, nonce, now, now - nonce_window_s))
    return deny("replayed request (nonce already used)");
  out.ok = true;
  out.device_id = device_id;
  return out;
}

}  // namespace wisp::fleet
