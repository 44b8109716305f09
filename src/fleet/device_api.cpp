// Device routes (/api/v1/device/*), every one authenticated by the request signature
// (device_auth.hpp): assignment, package download with Range, status, telemetry.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/status.hpp"
#include "fleet/api_util.hpp"
#include "fleet/device_auth.hpp"

namespace wisp::fleet {
namespace {

constexpr size_t kMaxTelemetryRecords = 1000;  // per request; an agent sends batches

// Authenticates the request or replies 401; returns the device on success.
std::optional<DeviceRecord> authenticate(FleetContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const int64_t now = ctx.clock();
  const AuthOutcome a = authenticate_device(
      *ctx.store, [&](const char* name) { return req.get_header_value(name); }, req.method, req.target, req.body, now,
      ctx.config.max_clock_skew_s, ctx.config.nonce_window_s);
  if (!a.ok) {
    reply_error(res, 401, a.error);
    return std::nullopt;
  }
  ctx.store->touch_device(a.device_id, now);
  return ctx.store->device(a.device_id);
}

std::optional<std::string> opt_string(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<std::string>();
}

DeviceStatus parse_status(const json& b) {
  DeviceStatus s;
  s.state = b.value("state", std::string());
  static const char* kStates[] = {"serving", "verifying", "health_failed", "rolled_back", "shadow", "fallback", "no_model"};
  bool known = false;
  for (const char* k : kStates) known |= s.state == k;
  WISP_CHECK(known, ErrorCode::kInvalidArgument, "status state '", s.state,
             "' is not one of serving|verifying|health_failed|rolled_back|shadow|fallback|no_model");
  s.reason = b.value("reason", std::string());
  auto model = [&](const char* key, std::optional<std::string>& version, std::optional<int64_t>& counter) {
    if (!b.contains(key) || b[key].is_null()) return;
    const json& m = b[key];
    WISP_CHECK(m.is_object(), ErrorCode::kInvalidArgument, "status '", key, "' must be an object or null");
    version = opt_string(m, "version");
    if (m.contains("counter") && !m["counter"].is_null()) counter = m["counter"].get<int64_t>();
  };
  model("active", s.active_version, s.active_counter);
  model("candidate", s.candidate_version, s.candidate_counter);
  auto num = [&](const char* key) { return b.contains(key) && b[key].is_number() ? b[key].get<double>() : 0.0; };
  s.latency_p50 = num("latency_ms_p50");
  s.latency_p99 = num("latency_ms_p99");
  s.error_rate = num("error_rate");
  s.memory_bytes = static_cast<int64_t>(num("memory_bytes"));
  if (b.contains("shadow") && b["shadow"].is_object()) {
    const json& sh = b["shadow"];
    if (sh.contains("samples") && sh["samples"].is_number()) s.shadow_samples = sh["samples"].get<int64_t>();
    if (sh.contains("top1_agreement") && sh["top1_agreement"].is_number())
      s.shadow_agreement = sh["top1_agreement"].get<double>();
    if (sh.contains("mean_abs_diff") && sh["mean_abs_diff"].is_number())
      s.shadow_mean_abs_diff = sh["mean_abs_diff"].get<double>();
  }
  s.json = b.dump();
  return s;
}

}  // namespace

void register_device_routes(httplib::Server& http, FleetContext& ctx) {
  http.Get("/api/v1/device/assignment", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const auto dev = authenticate(ctx, req, res);
    if (!dev) return;
    guarded(res, [&] {
      const std::optional<PackageRecord> p = ctx.engine->assignment(*dev);
      if (!p) return reply(res, 200, {{"package_id", nullptr}});
      reply(res, 200,
            {{"package_id", p->package_id},
             {"name", p->name},
             {"version", p->version},
             {"counter", p->counter},
             {"size", p->size},
             {"sha256", p->sha256},
             {"url", "/api/v1/device/packages/" + p->package_id}});
    });
  });

  // The package bytes, only to a device it is assigned to. httplib answers `Range:
  // bytes=N-` (and other single ranges) from the content provider with 206 + Content-Range,
  // and 416 for a range past the end, so a download resumes where it broke.
  http.Get(R"(/api/v1/device/packages/([a-z0-9-]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const auto dev = authenticate(ctx, req, res);
    if (!dev) return;
    guarded(res, [&] {
      const std::string id = req.matches[1];
      const std::optional<PackageRecord> assigned = ctx.engine->assignment(*dev);
      if (!assigned || assigned->package_id != id)
        return reply_error(res, 403, "package '" + id + "' is not assigned to device '" + dev->device_id + "'");
      const std::string path = ctx.registry->path_of(*assigned);
      std::shared_ptr<std::FILE> file(std::fopen(path.c_str(), "rb"), [](std::FILE* f) {
        if (f) std::fclose(f);
      });
      if (!file) return reply_error(res, 500, "package file for '" + id + "' is missing on the server");
      const auto size = static_cast<size_t>(std::filesystem::file_size(path));
      // httplib 0.11 drops the connection for a range starting past the end; answer 416
      // with the size, as RFC 9110 says, so a client with a stale partial file restarts.
      for (const auto& [first, last] : req.ranges) {
        if (first >= 0 && static_cast<size_t>(first) >= size) {
          res.set_header("Content-Range", "bytes */" + std::to_string(size));
          return reply_error(res, 416, "range starts past the end of the package (" + std::to_string(size) + " bytes)");
        }
      }
      res.set_header("X-Wisp-Sha256", assigned->sha256);
      res.set_content_provider(size, "application/octet-stream",
                               [file](size_t offset, size_t length, httplib::DataSink& sink) {
                                 char buf[64 * 1024];
                                 if (std::fseek(file.get(), static_cast<long>(offset), SEEK_SET) != 0) return false;
                                 const size_t n = std::fread(buf, 1, std::min(length, sizeof buf), file.get());
                                 if (n == 0) return false;
                                 return sink.write(buf, n);
                               });
    });
  });

  http.Post("/api/v1/device/status", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const auto dev = authenticate(ctx, req, res);
    if (!dev) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      const DeviceStatus s = parse_status(b);
      const int64_t now = ctx.clock();
      ctx.store->record_status(dev->device_id, s, now);
      // Kept as a time series too (charts, audits): one record per report.
      json series = {{"state", s.state},
                     {"active_version", s.active_version ? json(*s.active_version) : json(nullptr)},
                     {"latency_ms_p50", s.latency_p50},
                     {"latency_ms_p99", s.latency_p99},
                     {"error_rate", s.error_rate},
                     {"memory_bytes", s.memory_bytes},
                     {"shadow_agreement", s.shadow_agreement ? json(*s.shadow_agreement) : json(nullptr)}};
      ctx.store->add_telemetry({{dev->device_id, "status-" + req.get_header_value("X-Wisp-Nonce"), "status",
                                 series.dump(), now, now}});
      ctx.engine->tick(now);  // a failure halts the rollout now, not at the next tick
      reply(res, 200, {{"ok", true}});
    });
  });

  http.Post("/api/v1/device/telemetry", [&ctx](const httplib::Request& req, httplib::Response& res) {
    const auto dev = authenticate(ctx, req, res);
    if (!dev) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      WISP_CHECK(b.contains("records") && b["records"].is_array(), ErrorCode::kInvalidArgument,
                 "telemetry body needs \"records\": [...]");
      WISP_CHECK(b["records"].size() <= kMaxTelemetryRecords, ErrorCode::kResourceExhausted, "at most ",
                 kMaxTelemetryRecords, " telemetry records per request; send the rest in another batch");
      const int64_t now = ctx.clock();
      std::vector<TelemetryRecord> records;
      for (const json& r : b["records"]) {
        TelemetryRecord t;
        t.device_id = dev->device_id;
        t.record_id = r.at("id").get<std::string>();
        WISP_CHECK(!t.record_id.empty() && t.record_id.size() <= 128, ErrorCode::kInvalidArgument,
                   "telemetry id must be 1..128 characters");
        t.time = r.at("time").get<int64_t>();
        t.kind = r.at("kind").get<std::string>();
        t.data = r.contains("data") ? r["data"].dump() : "{}";
        t.received = now;
        records.push_back(std::move(t));
      }
      reply(res, 200, {{"accepted", ctx.store->add_telemetry(records)}});
    });
  });
}

}  // namespace wisp::fleet
