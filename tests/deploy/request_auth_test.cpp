#include "deploy/request_auth.hpp"

#include <gtest/gtest.h>

#include "package/keys.hpp"
#include "wisp/error.hpp"

namespace wisp::deploy {
namespace {

package::SigningSecretKey key(uint8_t seed) {
  std::array<uint8_t, 32> s{};
  s.fill(seed);
  return package::signing_key_from_seed(s);
}

AuthHeaders from(const std::map<std::string, std::string>& h) {
  return {h.at("X-Wisp-Device"), h.at("X-Wisp-Time"), h.at("X-Wisp-Nonce"), h.at("X-Wisp-Signature")};
}

TEST(RequestAuth, CanonicalBytesAreTheProtocolText) {
  // sha256("") is e3b0...b855: the empty body of a GET.
  EXPECT_EQ(canonical_request("GET", "/api/v1/device/assignment", 1700000000, "00112233445566778899aabbccddeeff", ""),
            "wisp-v1\nGET\n/api/v1/device/assignment\n1700000000\n00112233445566778899aabbccddeeff\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(RequestAuth, SignedRequestVerifiesAndEveryChangeIsRejected) {
  const auto k = key(7);
  const int64_t now = 1700000000;
  const auto h = sign_request("cam-01", k, "POST", "/api/v1/device/status", "{\"a\":1}", now);
  EXPECT_EQ(h.at("X-Wisp-Nonce").size(), 32u);
  const AuthHeaders a = from(h);
  EXPECT_EQ(verify_request(a, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now), "");
  EXPECT_EQ(verify_request(a, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":2}", now), "bad request signature");
  EXPECT_EQ(verify_request(a, k.public_key(), "GET", "/api/v1/device/status", "{\"a\":1}", now), "bad request signature");
  EXPECT_EQ(verify_request(a, k.public_key(), "POST", "/api/v1/device/telemetry", "{\"a\":1}", now),
            "bad request signature");
  EXPECT_EQ(verify_request(a, key(8).public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now),
            "bad request signature");
  EXPECT_EQ(verify_request(a, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now + 301),
            "X-Wisp-Time is outside the allowed clock skew");
  EXPECT_EQ(verify_request(a, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now - 300), "");
  AuthHeaders bad = a;
  bad.device = "Cam_01";
  EXPECT_EQ(verify_request(bad, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now),
            "missing or malformed X-Wisp-Device");
  bad = a;
  bad.nonce[0] = bad.nonce[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(verify_request(bad, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now),
            "bad request signature");
  bad = a;
  bad.signature = "not base64!";
  EXPECT_EQ(verify_request(bad, k.public_key(), "POST", "/api/v1/device/status", "{\"a\":1}", now),
            "malformed X-Wisp-Signature (base64)");
}

TEST(RequestAuth, DeviceIdsAndEncodings) {
  EXPECT_TRUE(valid_device_id("cam-42"));
  EXPECT_FALSE(valid_device_id(""));
  EXPECT_FALSE(valid_device_id(std::string(65, 'a')));
  EXPECT_FALSE(valid_device_id("cam/42"));
  const uint8_t bytes[] = {0, 1, 2, 250, 255};
  EXPECT_EQ(base64_encode(bytes, 5), "AAEC+v8=");
  EXPECT_EQ(base64_decode("AAEC+v8="), std::string("\x00\x01\x02\xfa\xff", 5));
  EXPECT_EQ(hex_encode(bytes, 5), "000102faff");
  EXPECT_THROW(base64_decode("@@@"), Error);
}

}  // namespace
}  // namespace wisp::deploy
