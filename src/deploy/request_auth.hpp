// Device request authentication, protocol v1 (docs/fleet_protocol.md).
//
// Every /api/v1/device/* request carries four headers:
//   X-Wisp-Device: <id>   X-Wisp-Time: <unix seconds>   X-Wisp-Nonce: <32 hex>
//   X-Wisp-Signature: <base64 Ed25519 signature>
// over the canonical bytes
//   "wisp-v1\n" METHOD "\n" PATH_WITH_QUERY "\n" TIME "\n" NONCE "\n" hex(sha256(body)).
// The agent signs with its identity key; the server checks the time window, the nonce
// (replay) and the signature against the enrolled public key. Binding the method, path,
// time, nonce and body hash means a captured request cannot be replayed later, sent to
// another endpoint or given another body.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "package/keys.hpp"

namespace wisp::deploy {

inline constexpr std::string_view kHeaderDevice = "X-Wisp-Device";
inline constexpr std::string_view kHeaderTime = "X-Wisp-Time";
inline constexpr std::string_view kHeaderNonce = "X-Wisp-Nonce";
inline constexpr std::string_view kHeaderSignature = "X-Wisp-Signature";
inline constexpr int64_t kMaxClockSkewS = 300;
inline constexpr int64_t kNonceMemoryS = 600;

// [a-z0-9-]{1,64}
bool valid_device_id(std::string_view id);

// The exact bytes that are signed.
std::string canonical_request(std::string_view method, std::string_view path_with_query, int64_t time,
                              std::string_view nonce_hex, std::string_view body);

// The four headers for one request (a fresh random nonce; `time` is now unless given).
std::map<std::string, std::string> sign_request(const std::string& device_id,
                                                const package::SigningSecretKey& identity, std::string_view method,
                                                std::string_view path_with_query, std::string_view body,
                                                int64_t time = -1);

struct AuthHeaders {
  std::string device, time, nonce, signature;
};

// Checks format, clock window and signature (not the nonce: the server keeps the nonce
// memory). Returns "" when valid, else the reason (for the 401 body).
std::string verify_request(const AuthHeaders& headers, const package::SigningPublicKey& identity,
                           std::string_view method, std::string_view path_with_query, std::string_view body,
                           int64_t now);

std::string base64_encode(const uint8_t* data, size_t size);
// Throws kInvalidArgument on malformed input.
std::string base64_decode(std::string_view text);
std::string hex_encode(const uint8_t* data, size_t size);
std::string sha256_hex(std::string_view bytes);

}  // namespace wisp::deploy
