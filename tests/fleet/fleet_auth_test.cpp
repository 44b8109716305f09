// Device request authentication: a good signature passes once; bad signature, replayed
// nonce, skewed clock, unknown device, altered body/path and missing headers are refused.
#include "fleet/device_auth.hpp"
#include "fleet_test_util.hpp"

namespace wisp::fleet {
namespace {

using namespace testing;

class FleetAuth : public ::testing::Test {
 protected:
  TempDir dir;
  FleetStore store{open_sqlite_database((dir.path / "f.db").string())};
  const int64_t now = 1'800'000'000;
  void SetUp() override {
    store.add_group("g", 0);
    const auto pk = device_identity(1).public_key();
    store.enroll_device({"dev-1", to_base64(pk.bytes.data(), 32), "box", "hw", "g", 0});
  }
  AuthOutcome check(const std::map<std::string, std::string>& h, const std::string& method, const std::string& path,
                    const std::string& body, int64_t at) {
    auto header = [&](const char* name) {
      auto it = h.find(name);
      return it == h.end() ? std::string() : it->second;
    };
    return authenticate_device(store, header, method, path, body, at, 300, 600);
  }
};

TEST_F(FleetAuth, GoodSignatureIsAcceptedOnceThenReplayIsRefused) {
  const auto h = sign_device_request("dev-1", device_identity(1), "POST", "/api/v1/device/status", "{}", now);
  const AuthOutcome a = check(h, "POST", "/api/v1/device/status", "{}", now + 5);
  EXPECT_TRUE(a.ok) << a.error;
  EXPECT_EQ(a.device_id, "dev-1");
  const AuthOutcome again = check(h, "POST", "/api/v1/device/status", "{}", now + 6);
  EXPECT_FALSE(again.ok);
  EXPECT_NE(again.error.find("replayed"), std::string::npos) << again.error;
}

TEST_F(FleetAuth, WrongKeyAlteredBodyOrPathIsABadSignature) {
  const auto wrong = sign_device_request("dev-1", device_identity(2), "GET", "/api/v1/device/assignment", "", now);
  EXPECT_NE(check(wrong, "GET", "/api/v1/device/assignment", "", now).error.find("bad request signature"),
            std::string::npos);
  const auto h = sign_device_request("dev-1", device_identity(1), "POST", "/api/v1/device/status", "{\"a\":1}", now);
  EXPECT_FALSE(check(h, "POST", "/api/v1/device/status", "{\"a\":2}", now).ok);
  EXPECT_FALSE(check(h, "POST", "/api/v1/device/telemetry", "{\"a\":1}", now).ok);
  EXPECT_FALSE(check(h, "GET", "/api/v1/device/status", "{\"a\":1}", now).ok);
  // A refused request does not spend its nonce: the genuine one still passes.
  EXPECT_TRUE(check(h, "POST", "/api/v1/device/status", "{\"a\":1}", now).ok);
}

TEST_F(FleetAuth, SkewedClockIsRefusedBothWays) {
  const auto past = sign_device_request("dev-1", device_identity(1), "GET", "/p", "", now - 301);
  EXPECT_NE(check(past, "GET", "/p", "", now).error.find("server clock"), std::string::npos);
  const auto future = sign_device_request("dev-1", device_identity(1), "GET", "/p", "", now + 301);
  EXPECT_FALSE(check(future, "GET", "/p", "", now).ok);
  const auto edge = sign_device_request("dev-1", device_identity(1), "GET", "/p", "", now + 300);
  EXPECT_TRUE(check(edge, "GET", "/p", "", now).ok);
}

TEST_F(FleetAuth, UnknownDeviceAndMissingHeadersAreRefused) {
  const auto h = sign_device_request("dev-9", device_identity(1), "GET", "/p", "", now);
  EXPECT_NE(check(h, "GET", "/p", "", now).error.find("unknown device"), std::string::npos);
  EXPECT_NE(check({}, "GET", "/p", "", now).error.find("missing"), std::string::npos);
  auto bad_nonce = sign_device_request("dev-1", device_identity(1), "GET", "/p", "", now);
  bad_nonce["X-Wisp-Nonce"] = "xyz";
  EXPECT_FALSE(check(bad_nonce, "GET", "/p", "", now).ok);
  auto bad_id = sign_device_request("Dev_1", device_identity(1), "GET", "/p", "", now);
  EXPECT_FALSE(check(bad_id, "GET", "/p", "", now).ok);
}

}  // namespace
}  // namespace wisp::fleet
