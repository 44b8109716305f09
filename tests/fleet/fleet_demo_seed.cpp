// wisp_fleet_seed URL ADMIN_TOKEN: fills a running fleet with a small demo through its
// public HTTP API (the dashboard test and the README screenshots use it): a signing key,
// group "cams", devices cam-1..cam-3 (deterministic test keys), releases 1.0.0 and 2.0.0,
// a completed rollout of 1.0.0, a staged rollout of 2.0.0, an hour of latency / drift /
// shadow telemetry and a status report per device. Exits non-zero on any refusal.
#include <httplib.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "fleet/device_auth.hpp"
#include "fleet/fleet_server.hpp"
#include "fleet_test_util.hpp"

using json = nlohmann::json;
using namespace wisp::fleet;
namespace ft = wisp::fleet::testing;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "wisp_fleet_seed: %s\n", what.c_str());
  std::exit(1);
}

json check(const httplib::Result& r, const std::string& what) {
  if (!r) die(what + ": no response");
  if (r->status >= 300) die(what + ": HTTP " + std::to_string(r->status) + " " + r->body);
  return r->body.empty() ? json() : json::parse(r->body);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: wisp_fleet_seed URL ADMIN_TOKEN\n");
    return 2;
  }
  httplib::Client http(argv[1]);
  http.set_read_timeout(20, 0);
  const httplib::Headers admin = {{"Authorization", std::string("Bearer ") + argv[2]}};
  auto post = [&](const std::string& path, const json& body) {
    return check(http.Post(path.c_str(), admin, body.dump(), "application/json"), "POST " + path);
  };
  auto device_post = [&](int i, const std::string& path, const json& body) {
    const std::string b = body.dump();
    httplib::Headers h;
    for (auto& [k, v] : sign_device_request("cam-" + std::to_string(i), ft::device_identity(static_cast<uint8_t>(i)),
                                            "POST", path, b, system_clock_seconds()))
      h.emplace(k, v);
    return check(http.Post(path.c_str(), h, b, "application/json"), "device POST " + path);
  };
  const auto pub = ft::publisher().public_key();
  post("/api/v1/signing-keys", {{"name", "demo-publisher"}, {"public_key", to_base64(pub.bytes.data(), 32)}});
  post("/api/v1/groups", {{"name", "cams"}});
  for (int i = 1; i <= 3; ++i) {
    const auto pk = ft::device_identity(static_cast<uint8_t>(i)).public_key();
    post("/api/v1/devices", {{"device_id", "cam-" + std::to_string(i)},
                             {"identity_public_key", to_base64(pk.bytes.data(), 32)},
                             {"box_public_key", "demo"},
                             {"hardware", "rpi4"},
                             {"group", "cams"}});
  }
  auto upload = [&](const std::string& version, uint64_t counter) {
    return check(http.Post("/api/v1/packages", admin, ft::make_package(version, counter, "rpi4"),
                           "application/octet-stream"),
                 "upload " + version);
  };
  const json v1 = upload("1.0.0", 1);
  const json v2 = upload("2.0.0", 2);
  post("/api/v1/rollouts", {{"group", "cams"}, {"package_id", v1["package_id"]}, {"stages", {100}}, {"window_s", 0}});
  const int64_t now = system_clock_seconds();
  for (int i = 1; i <= 3; ++i) {
    json records = json::array();
    for (int k = 0; k < 60; ++k) {
      const int64_t t = now - 3600 + k * 60;
      const double p50 = 1.8 + 0.3 * i + 0.2 * ((k * 7 + i) % 5) / 4.0;
      const double psi = 0.02 * i + 0.004 * k * (i == 3 ? 3 : 1) / 6.0;
      records.push_back({{"id", "lat-" + std::to_string(k)}, {"time", t}, {"kind", "latency_hist"},
                         {"data", {{"p50", p50}, {"p99", p50 * 2.1}}}});
      records.push_back({{"id", "drift-" + std::to_string(k)}, {"time", t}, {"kind", "drift"},
                         {"data", {{"psi", psi}}}});
      if (k >= 30)
        records.push_back({{"id", "shadow-" + std::to_string(k)}, {"time", t}, {"kind", "shadow"},
                           {"data", {{"samples", 20 * (k - 29)}, {"top1_agreement", 0.97 - 0.01 * ((k + i) % 3)}}}});
    }
    device_post(i, "/api/v1/device/telemetry", {{"records", records}});
    device_post(i, "/api/v1/device/status", {{"active", {{"name", "demo"}, {"version", "1.0.0"}, {"counter", 1}}},
                                             {"candidate", nullptr}, {"state", "serving"}, {"latency_ms_p50", 2.0 + 0.3 * i},
                                             {"latency_ms_p99", 4.5 + 0.3 * i}, {"error_rate", 0.0}, {"memory_bytes", 1 << 20}});
  }
  // Completes the 1.0.0 rollout (window 0) on the next report, then stage 2.0.0.
  device_post(1, "/api/v1/device/status", {{"active", {{"name", "demo"}, {"version", "1.0.0"}, {"counter", 1}}},
                                           {"state", "serving"}, {"latency_ms_p50", 2.3}, {"error_rate", 0.0}});
  const json r2 = post("/api/v1/rollouts", {{"group", "cams"}, {"package_id", v2["package_id"]},
                                            {"stages", {34, 67, 100}}, {"window_s", 600}});
  std::printf("seeded: rollout %s staged\n", r2["rollout_id"].get<std::string>().c_str());
  return 0;
}
