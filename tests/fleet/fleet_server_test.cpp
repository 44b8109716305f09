// The fleet over HTTP on loopback: admin token, device signatures (401 without), the
// assignment, Range downloads (206, resumable, 403 when not assigned), status driving a
// rollout, telemetry dedup, the dashboard page.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "fleet/device_auth.hpp"
#include "fleet/fleet_server.hpp"
#include "fleet_test_util.hpp"

namespace wisp::fleet {
namespace {

using namespace testing;
using json = nlohmann::json;

constexpr const char* kToken = "test-admin-token-0123456789";

class FleetServerHttp : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  FakeClock clock;
  std::unique_ptr<FleetServer> server;
  std::unique_ptr<httplib::Client> http;

  void SetUp() override {
    FleetConfig c;
    c.port = 0;
    c.admin_token = kToken;
    c.storage_path = (dir.path / "fleet.db").string();
    c.package_dir = (dir.path / "packages").string();
    c.rollout_tick_s = 3600;  // the test ticks through status reports and the fake clock
    server = std::make_unique<FleetServer>(c, clock, fresh_database(GetParam(), dir));
    server->start();
    http = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    http->set_read_timeout(10, 0);
  }
  httplib::Headers admin() { return {{"Authorization", std::string("Bearer ") + kToken}}; }
  json admin_post(const std::string& path, const json& body, int expect_status) {
    auto r = http->Post(path.c_str(), admin(), body.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect_status) << path << ": " << r->body;
    return json::parse(r->body);
  }
  json upload(const std::string& bytes) {
    auto r = http->Post("/api/v1/packages", admin(), bytes, "application/octet-stream");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return json::parse(r->body);
  }
  httplib::Result device_get(const std::string& id, int key, const std::string& path, httplib::Headers extra = {}) {
    httplib::Headers h = extra;
    for (auto& [k, v] : sign_device_request(id, device_identity(static_cast<uint8_t>(key)), "GET", path, "", clock()))
      h.emplace(k, v);
    return http->Get(path.c_str(), h);
  }
  httplib::Result device_post(const std::string& id, int key, const std::string& path, const json& body) {
    const std::string b = body.dump();
    httplib::Headers h;
    for (auto& [k, v] : sign_device_request(id, device_identity(static_cast<uint8_t>(key)), "POST", path, b, clock()))
      h.emplace(k, v);
    return http->Post(path.c_str(), h, b, "application/json");
  }
  void enrol_three() {
    const auto pub = publisher().public_key();
    admin_post("/api/v1/signing-keys", {{"name", "pub"}, {"public_key", to_base64(pub.bytes.data(), 32)}}, 200);
    admin_post("/api/v1/groups", {{"name", "cams"}}, 201);
    for (int i = 1; i <= 3; ++i) {
      const auto pk = device_identity(static_cast<uint8_t>(i)).public_key();
      admin_post("/api/v1/devices",
                 {{"device_id", "cam-" + std::to_string(i)},
                  {"identity_public_key", package::signing_public_text(pk)},
                  {"box_public_key", "x"},
                  {"hardware", "rpi4"},
                  {"group", "cams"}},
                 201);
    }
  }
};

TEST_P(FleetServerHttp, AdminRoutesNeedTheToken) {
  auto r = http->Get("/api/v1/devices");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = http->Get("/api/v1/devices", httplib::Headers{{"Authorization", "Bearer wrong-token-wrong-token!!"}});
  EXPECT_EQ(r->status, 401);
  r = http->Post("/api/v1/packages", make_package("1", 1), "application/octet-stream");
  EXPECT_EQ(r->status, 401);
  r = http->Get("/api/v1/devices", admin());
  EXPECT_EQ(r->status, 200);
}

TEST_P(FleetServerHttp, DeviceRoutesRefuseUnsignedWrongKeyAndReplayedRequests) {
  enrol_three();
  auto r = http->Get("/api/v1/device/assignment");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(json::parse(r->body).value("error", "").find("missing"), std::string::npos);
  r = device_get("cam-1", /*key of cam-2*/ 2, "/api/v1/device/assignment");
  EXPECT_EQ(r->status, 401);
  // Replay: the same signed headers twice.
  httplib::Headers h;
  for (auto& [k, v] : sign_device_request("cam-1", device_identity(1), "GET", "/api/v1/device/assignment", "", clock()))
    h.emplace(k, v);
  EXPECT_EQ(http->Get("/api/v1/device/assignment", h)->status, 200);
  EXPECT_EQ(http->Get("/api/v1/device/assignment", h)->status, 401);
  // Unenrolled device.
  EXPECT_EQ(device_get("cam-9", 9, "/api/v1/device/assignment")->status, 401);
  // Status without a signature changes nothing.
  r = http->Post("/api/v1/device/status", R"({"state":"serving"})", "application/json");
  EXPECT_EQ(r->status, 401);
}

TEST_P(FleetServerHttp, UploadRefusesTamperedAndUnknownSigner) {
  enrol_three();
  std::string bad = make_package("1", 1);
  bad[bad.size() - 3] ^= 0x40;
  auto r = http->Post("/api/v1/packages", admin(), bad, "application/octet-stream");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("altered"), std::string::npos) << r->body;
  r = http->Post("/api/v1/packages", admin(), make_package("1", 1, "", 0, package::testing::other_publisher()),
                 "application/octet-stream");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(http->Get("/api/v1/packages", admin())->body)["packages"].size(), 0u);
}

TEST_P(FleetServerHttp, AssignmentAndRangeDownloadsOnlyForAssignedDevices) {
  enrol_three();
  const std::string bytes = make_package("2.0.0", 2, "rpi4", 0, publisher(), 20000);
  const json p = upload(bytes);
  auto not_assigned = device_get("cam-1", 1, "/api/v1/device/packages/" + p["package_id"].get<std::string>());
  ASSERT_TRUE(not_assigned) << httplib::to_string(not_assigned.error());
  EXPECT_EQ(not_assigned->status, 403);
  auto first = device_get("cam-1", 1, "/api/v1/device/assignment");
  ASSERT_TRUE(first) << httplib::to_string(first.error());
  auto a = json::parse(first->body);
  EXPECT_TRUE(a["package_id"].is_null());
  admin_post("/api/v1/rollouts", {{"group", "cams"}, {"package_id", p["package_id"]}, {"stages", {100}}}, 201);
  a = json::parse(device_get("cam-2", 2, "/api/v1/device/assignment")->body);
  ASSERT_EQ(a["package_id"], p["package_id"]);
  EXPECT_EQ(a["version"], "2.0.0");
  EXPECT_EQ(a["counter"], 2);
  EXPECT_EQ(a["size"], bytes.size());
  const std::string url = a["url"];
  auto whole = device_get("cam-2", 2, url);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, bytes);
  // Resume from an offset, then a range in the middle, then past the end.
  auto tail = device_get("cam-2", 2, url, {{"Range", "bytes=12345-"}});
  ASSERT_TRUE(tail) << httplib::to_string(tail.error());
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, bytes.substr(12345));
  EXPECT_EQ(tail->get_header_value("Content-Range"),
            "bytes 12345-" + std::to_string(bytes.size() - 1) + "/" + std::to_string(bytes.size()));
  auto mid = device_get("cam-2", 2, url, {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(mid) << httplib::to_string(mid.error());
  EXPECT_EQ(mid->status, 206);
  EXPECT_EQ(mid->body, bytes.substr(100, 100));
  auto past = device_get("cam-2", 2, url, {{"Range", "bytes=999999-"}});
  ASSERT_TRUE(past) << httplib::to_string(past.error());
  EXPECT_EQ(past->status, 416);
}

TEST_P(FleetServerHttp, StatusReportsDriveAStagedRolloutAndAFailureRollsItBack) {
  enrol_three();
  const json v1 = upload(make_package("1.0.0", 1, "rpi4"));
  const json v2 = upload(make_package("2.0.0", 2, "rpi4"));
  // 1.0.0 to everyone in one stage.
  auto r1 = admin_post("/api/v1/rollouts",
                       {{"group", "cams"}, {"package_id", v1["package_id"]}, {"stages", {100}}, {"window_s", 10}}, 201);
  auto serve = [&](int i, const std::string& version, int64_t counter, double p50) {
    auto r = device_post("cam-" + std::to_string(i), i, "/api/v1/device/status",
                         {{"active", {{"name", "demo"}, {"version", version}, {"counter", counter}}},
                          {"candidate", nullptr},
                          {"state", "serving"},
                          {"latency_ms_p50", p50},
                          {"latency_ms_p99", p50 * 2},
                          {"error_rate", 0.0},
                          {"memory_bytes", 1000}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  };
  for (int i = 1; i <= 3; ++i) serve(i, "1.0.0", 1, 2.0);
  clock.advance(11);
  serve(1, "1.0.0", 1, 2.0);  // a report ticks the engine
  auto got = json::parse(http->Get(("/api/v1/rollouts/" + r1["rollout_id"].get<std::string>()).c_str(), admin())->body);
  EXPECT_EQ(got["state"], "completed") << got.dump();
  // 2.0.0 in stages; the first member fails its health check.
  auto r2 = admin_post("/api/v1/rollouts",
                       {{"group", "cams"}, {"package_id", v2["package_id"]}, {"stages", {34, 67, 100}}, {"window_s", 10}},
                       201);
  const std::string id2 = r2["rollout_id"];
  got = json::parse(http->Get(("/api/v1/rollouts/" + id2).c_str(), admin())->body);
  ASSERT_EQ(got["stage_members"].size(), 1u);
  const std::string member = got["stage_members"][0];
  const int mi = member.back() - '0';
  clock.advance(1);
  auto r = device_post(member, mi, "/api/v1/device/status",
                       {{"active", {{"name", "demo"}, {"version", "1.0.0"}, {"counter", 1}}},
                        {"candidate", {{"name", "demo"}, {"version", "2.0.0"}, {"counter", 2}}},
                        {"state", "health_failed"},
                        {"reason", "reference outputs differ"}});
  EXPECT_EQ(r->status, 200);
  got = json::parse(http->Get(("/api/v1/rollouts/" + id2).c_str(), admin())->body);
  EXPECT_EQ(got["state"], "rolled_back");
  EXPECT_NE(got["reason"].get<std::string>().find("reference outputs differ"), std::string::npos);
  auto a = json::parse(device_get(member, mi, "/api/v1/device/assignment")->body);
  EXPECT_EQ(a["version"], "1.0.0");
  // The devices table shows each device with its version and state.
  const json devices = json::parse(http->Get("/api/v1/devices", admin())->body)["devices"];
  ASSERT_EQ(devices.size(), 3u);
  for (const json& d : devices) EXPECT_EQ(d["assigned_version"], "1.0.0");
  // Status reports are kept as a time series.
  EXPECT_GE(json::parse(http->Get("/api/v1/telemetry?kind=status", admin())->body)["records"].size(), 5u);
}

TEST_P(FleetServerHttp, TelemetryIsDedupedById) {
  enrol_three();
  const json batch = {{"records",
                       {{{"id", "u-1"}, {"time", clock()}, {"kind", "drift"}, {"data", {{"psi", 0.12}}}},
                        {{"id", "u-2"}, {"time", clock()}, {"kind", "latency_hist"}, {"data", {{"p50", 1.5}}}}}}};
  auto r = device_post("cam-1", 1, "/api/v1/device/telemetry", batch);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["accepted"], json({"u-1", "u-2"}));
  r = device_post("cam-1", 1, "/api/v1/device/telemetry", batch);  // resend after a lost answer
  EXPECT_EQ(json::parse(r->body)["accepted"], json({"u-1", "u-2"}));
  const json q = json::parse(http->Get("/api/v1/telemetry?device=cam-1&kind=drift", admin())->body);
  ASSERT_EQ(q["records"].size(), 1u);
  EXPECT_DOUBLE_EQ(q["records"][0]["data"]["psi"].get<double>(), 0.12);
  r = device_post("cam-1", 1, "/api/v1/device/telemetry", {{"records", {{{"time", 1}}}}});
  EXPECT_EQ(r->status, 400);
}

TEST_P(FleetServerHttp, DashboardPageIsSelfContained) {
  auto r = http->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("id=\"latency-chart\""), std::string::npos);
  EXPECT_NE(r->body.find("id=\"drift-chart\""), std::string::npos);
  EXPECT_NE(r->body.find("id=\"devices\""), std::string::npos);
  EXPECT_EQ(r->body.find("http://"), std::string::npos);  // no CDN or other origin
  EXPECT_EQ(r->body.find("https://"), std::string::npos);
}

// The whole HTTP surface on each storage backend (PostgreSQL when the ctest fixture runs one).
INSTANTIATE_TEST_SUITE_P(Backends, FleetServerHttp, ::testing::ValuesIn(storage_backends()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace wisp::fleet
