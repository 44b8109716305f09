// Admin routes (Authorization: Bearer <admin_token>): signing keys, packages, groups,
// devices, rollouts, telemetry queries. Protocol: docs/fleet_protocol.md.
#include <sodium.h>

#include "core/status.hpp"
#include "fleet/api_util.hpp"
#include "fleet/device_auth.hpp"
#include "package/keys.hpp"

namespace wisp::fleet {

bool parse_json_body(const httplib::Request& req, httplib::Response& res, json& out) {
  try {
    out = json::parse(req.body);
  } catch (const std::exception& e) {
    reply_error(res, 400, std::string("body is not valid JSON: ") + e.what());
    return false;
  }
  if (!out.is_object()) {
    reply_error(res, 400, "body must be a JSON object");
    return false;
  }
  return true;
}

bool require_admin(const FleetContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string expected = "Bearer " + ctx.config.admin_token;
  const std::string got = req.get_header_value("Authorization");
  if (got.size() == expected.size() && sodium_memcmp(got.data(), expected.data(), got.size()) == 0) return true;
  reply_error(res, 401, "admin request needs 'Authorization: Bearer <admin_token>' (the token in the fleet config)");
  return false;
}

json package_json(const PackageRecord& p) {
  return {{"package_id", p.package_id}, {"name", p.name},     {"version", p.version}, {"counter", p.counter},
          {"hardware", p.hardware},     {"size", p.size},     {"sha256", p.sha256},   {"signer", p.signer},
          {"created", p.created}};
}

json device_json(const DeviceRecord& d) {
  json j = {{"device_id", d.device_id}, {"hardware", d.hardware}, {"group", d.group}, {"enrolled", d.enrolled},
            {"last_seen", d.last_seen ? json(*d.last_seen) : json(nullptr)}};
  if (d.status) {
    const DeviceStatus& s = *d.status;
    j["state"] = s.state;
    j["reason"] = s.reason;
    j["active_version"] = s.active_version ? json(*s.active_version) : json(nullptr);
    j["active_counter"] = s.active_counter ? json(*s.active_counter) : json(nullptr);
    j["candidate_version"] = s.candidate_version ? json(*s.candidate_version) : json(nullptr);
    j["latency_ms_p50"] = s.latency_p50;
    j["latency_ms_p99"] = s.latency_p99;
    j["error_rate"] = s.error_rate;
    j["memory_bytes"] = s.memory_bytes;
    j["shadow_agreement"] = s.shadow_agreement ? json(*s.shadow_agreement) : json(nullptr);
    j["status_time"] = d.status_time ? json(*d.status_time) : json(nullptr);
  } else {
    j["state"] = nullptr;
  }
  return j;
}

json rollout_json(FleetContext& ctx, const RolloutRecord& r) {
  json events = json::array();
  for (const auto& [t, e] : ctx.store->rollout_events(r.rollout_id)) events.push_back({{"time", t}, {"event", e}});
  const std::optional<PackageRecord> pkg = ctx.store->package(r.package_id);
  return {{"rollout_id", r.rollout_id},
          {"group", r.group},
          {"package_id", r.package_id},
          {"version", pkg ? json(pkg->version) : json(nullptr)},
          {"previous_package_id", r.previous_package_id ? json(*r.previous_package_id) : json(nullptr)},
          {"stages", r.stages},
          {"stage_index", r.stage_index},
          {"stage_percent", r.stages.at(static_cast<size_t>(r.stage_index))},
          {"stage_members", ctx.engine->stage_members(r)},
          {"state", r.state},
          {"reason", r.reason},
          {"window_s", r.window_s},
          {"min_devices_reporting", r.min_devices_reporting},
          {"max_error_rate", r.max_error_rate},
          {"min_shadow_agreement", r.min_shadow_agreement},
          {"max_latency_ratio", r.max_latency_ratio},
          {"stage_timeout_s", r.stage_timeout_s},
          {"created", r.created},
          {"stage_started", r.stage_started},
          {"stage_ok_since", r.stage_ok_since ? json(*r.stage_ok_since) : json(nullptr)},
          {"updated", r.updated},
          {"events", events}};
}

void register_admin_routes(httplib::Server& http, FleetContext& ctx) {
  http.Post("/api/v1/signing-keys", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      const std::string name = b.value("name", std::string());
      const std::string text = b.value("public_key", std::string());
      const auto key = parse_identity_key(text);
      WISP_CHECK(key.has_value(), ErrorCode::kInvalidArgument,
                 "public_key must be an Ed25519 public key: base64 of 32 bytes or the text of a .sign.pub file");
      SigningKeyRecord k{package::key_id_hex(key->id()), name.empty() ? "unnamed" : name,
                         to_base64(key->bytes.data(), key->bytes.size())};
      ctx.store->add_signing_key(k, ctx.clock());
      reply(res, 200, {{"key_id", k.key_id}});
    });
  });

  http.Post("/api/v1/packages", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    guarded(res, [&] {
      const PackageRecord p = ctx.registry->upload(req.body, ctx.clock());
      reply(res, 200, package_json(p));
    });
  });
  http.Get("/api/v1/packages", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json out = json::array();
    for (const PackageRecord& p : ctx.store->packages()) out.push_back(package_json(p));
    reply(res, 200, {{"packages", out}});
  });

  http.Post("/api/v1/groups", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      const std::string name = b.value("name", std::string());
      WISP_CHECK(valid_device_id(name), ErrorCode::kInvalidArgument, "group name must match [a-z0-9-]{1,64}");
      const bool created = ctx.store->add_group(name, ctx.clock());
      reply(res, created ? 201 : 200, {{"name", name}, {"created", created}});
    });
  });

  http.Post("/api/v1/devices", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      DeviceRecord d;
      d.device_id = b.value("device_id", std::string());
      WISP_CHECK(valid_device_id(d.device_id), ErrorCode::kInvalidArgument, "device_id must match [a-z0-9-]{1,64}");
      d.identity_public_key = b.value("identity_public_key", std::string());
      WISP_CHECK(parse_identity_key(d.identity_public_key).has_value(), ErrorCode::kInvalidArgument,
                 "identity_public_key must be an Ed25519 public key (base64 or .sign.pub text)");
      d.box_public_key = b.value("box_public_key", std::string());
      d.hardware = b.value("hardware", std::string());
      d.group = b.value("group", std::string());
      WISP_CHECK(ctx.store->group_exists(d.group), ErrorCode::kInvalidArgument, "unknown group '", d.group,
                 "' (POST /api/v1/groups first)");
      d.enrolled = ctx.clock();
      ctx.store->enroll_device(d);
      reply(res, 201, device_json(d));
    });
  });
  http.Get("/api/v1/devices", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json out = json::array();
    for (const DeviceRecord& d : ctx.store->devices(req.get_param_value("group"))) {
      json j = device_json(d);
      const auto a = ctx.engine->assignment(d);
      j["assigned_version"] = a ? json(a->version) : json(nullptr);
      out.push_back(j);
    }
    reply(res, 200, {{"devices", out}});
  });

  http.Post("/api/v1/rollouts", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json b;
    if (!parse_json_body(req, res, b)) return;
    guarded(res, [&] {
      RolloutRequest q;
      q.group = b.value("group", std::string());
      q.package_id = b.value("package_id", std::string());
      q.stages = b.value("stages", q.stages);
      q.window_s = b.value("window_s", q.window_s);
      q.min_devices_reporting = b.value("min_devices_reporting", q.min_devices_reporting);
      q.max_error_rate = b.value("max_error_rate", q.max_error_rate);
      q.min_shadow_agreement = b.value("min_shadow_agreement", q.min_shadow_agreement);
      q.max_latency_ratio = b.value("max_latency_ratio", q.max_latency_ratio);
      q.stage_timeout_s = b.value("stage_timeout_s", q.stage_timeout_s);
      const RolloutRecord r = ctx.engine->create(q, ctx.clock());
      reply(res, 201, {{"rollout_id", r.rollout_id}});
    });
  });
  http.Get("/api/v1/rollouts", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    json out = json::array();
    for (const RolloutRecord& r : ctx.store->rollouts(req.get_param_value("group"))) out.push_back(rollout_json(ctx, r));
    reply(res, 200, {{"rollouts", out}});
  });
  http.Get(R"(/api/v1/rollouts/([a-z0-9-]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    const auto r = ctx.store->rollout(req.matches[1]);
    if (!r) return reply_error(res, 404, "unknown rollout '" + std::string(req.matches[1]) + "'");
    reply(res, 200, rollout_json(ctx, *r));
  });
  http.Post(R"(/api/v1/rollouts/([a-z0-9-]+)/halt)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    guarded(res, [&] {
      std::string reason;
      if (!req.body.empty()) {
        const json b = json::parse(req.body, nullptr, false);
        if (b.is_object()) reason = b.value("reason", std::string());
      }
      const bool halted = ctx.engine->halt(req.matches[1], reason, ctx.clock());
      json j = rollout_json(ctx, *ctx.store->rollout(req.matches[1]));
      j["halted_now"] = halted;
      reply(res, 200, j);
    });
  });

  http.Get("/api/v1/telemetry", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!require_admin(ctx, req, res)) return;
    guarded(res, [&] {
      const std::string since = req.get_param_value("since");
      const std::string limit = req.get_param_value("limit");
      const auto records = ctx.store->telemetry(req.get_param_value("device"), req.get_param_value("kind"),
                                                since.empty() ? 0 : std::stoll(since),
                                                limit.empty() ? 5000 : std::min<int64_t>(std::stoll(limit), 50000));
      json out = json::array();
      for (const TelemetryRecord& t : records)
        out.push_back({{"device", t.device_id},
                       {"id", t.record_id},
                       {"time", t.time},
                       {"kind", t.kind},
                       {"data", json::parse(t.data, nullptr, false)}});
      reply(res, 200, {{"records", out}});
    });
  });
}

}  // namespace wisp::fleet
