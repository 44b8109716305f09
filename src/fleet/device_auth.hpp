// Device request authentication (protocol v1, docs/fleet_protocol.md). Every
// /api/v1/device/* request carries
//   X-Wisp-Device, X-Wisp-Time (unix s), X-Wisp-Nonce (32 hex), X-Wisp-Signature (base64
//   Ed25519) over "wisp-v1\n" METHOD "\n" PATH_WITH_QUERY "\n" TIME "\n" NONCE "\n" hex(sha256(body)).
// The server accepts a request only if the device is enrolled, |now - time| <= max skew,
// the nonce is new for that device within the nonce window (replay), and the signature
// verifies with the device's enrolled identity key. The body hash binds the body, the
// path binds the resource, the time + nonce bound replays to never.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "package/keys.hpp"

namespace wisp::fleet {

class FleetStore;

std::string request_signing_bytes(const std::string& method, const std::string& path_with_query, int64_t time,
                                  const std::string& nonce, const std::string& body);

// Headers for a signed request (tests and tools; the agent has its own signer in src/deploy).
std::map<std::string, std::string> sign_device_request(const std::string& device_id,
                                                       const package::SigningSecretKey& identity,
                                                       const std::string& method, const std::string& path_with_query,
                                                       const std::string& body, int64_t now,
                                                       const std::string& nonce_hex = "");

// Identity public key text as enrolled: "wisp-ed25519-public:<base64>" or bare base64.
std::optional<package::SigningPublicKey> parse_identity_key(const std::string& text);

struct AuthOutcome {
  bool ok = false;
  std::string device_id;
  std::string error;  // why not, for the 401 body
};

// `header(name)` returns the header's value or "" when absent.
template <class HeaderFn>
AuthOutcome authenticate_device(FleetStore& store, HeaderFn header, const std::string& method,
                                const std::string& path_with_query, const std::string& body, int64_t now,
                                int64_t max_skew_s, int64_t nonce_window_s);

AuthOutcome authenticate_device_headers(FleetStore& store, const std::string& device_id, const std::string& time_text,
                                        const std::string& nonce, const std::string& signature_b64,
                                        const std::string& method, const std::string& path_with_query,
                                        const std::string& body, int64_t now, int64_t max_skew_s,
                                        int64_t nonce_window_s);

template <class HeaderFn>
AuthOutcome authenticate_device(FleetStore& store, HeaderFn header, const std::string& method,
                                const std::string& path_with_query, const std::string& body, int64_t now,
                                int64_t max_skew_s, int64_t nonce_window_s) {
  return authenticate_device_headers(store, header("X-Wisp-Device"), header("X-Wisp-Time"), header("X-Wisp-Nonce"),
                                     header("X-Wisp-Signature"), method, path_with_query, body, now, max_skew_s,
                                     nonce_window_s);
}

bool valid_device_id(const std::string& id);  // [a-z0-9-]{1,64}
std::string to_hex(const uint8_t* data, size_t size);
std::string to_base64(const uint8_t* data, size_t size);
std::optional<std::string> from_base64(const std::string& text);

}  // namespace wisp::fleet
