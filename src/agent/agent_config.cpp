#include "agent/agent_config.hpp"

#include <fstream>
#include <sstream>

#include "deploy/request_auth.hpp"

namespace wisp::agent {
namespace {

using deploy::Json;
using deploy::json_get;
using deploy::json_get_or;

void check_keys(const Json& j, const std::string& where, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) fail(ErrorCode::kInvalidArgument, where, ": must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    // An unknown key is most often a typo that would silently fall back to a default.
    if (!ok) fail(ErrorCode::kInvalidArgument, where, ": unknown key '", k, "' (see docs/agent.md)");
  }
}

void require(bool ok, const std::string& where, const char* field, const char* rule) {
  if (!ok) fail(ErrorCode::kInvalidArgument, where, ": '", field, "' ", rule);
}

}  // namespace

AgentConfig parse_agent_config(const Json& j, const std::string& where) {
  check_keys(j, where,
             {"device_id", "server", "identity_key", "box_key", "trust_keys", "hardware", "state_dir",
              "poll_interval_s", "health", "shadow", "fallback_model", "api", "telemetry", "download", "test_hooks"});
  AgentConfig c;
  c.path = where;
  c.device_id = json_get<std::string>(j, "device_id", where);
  require(deploy::valid_device_id(c.device_id), where, "device_id", "must match [a-z0-9-]{1,64}");
  c.server = json_get<std::string>(j, "server", where);
  require(c.server.rfind("http://", 0) == 0 || c.server.rfind("https://", 0) == 0, where, "server",
          "must start with http:// or https://");
  c.identity_key = json_get<std::string>(j, "identity_key", where);
  c.box_key = json_get<std::string>(j, "box_key", where);
  c.trust_keys = json_get<std::vector<std::string>>(j, "trust_keys", where);
  require(!c.trust_keys.empty(), where, "trust_keys", "must list at least one publisher public key file");
  c.hardware = json_get_or<std::string>(j, "hardware", "", where);
  c.state_dir = json_get<std::string>(j, "state_dir", where);
  require(!c.state_dir.empty(), where, "state_dir", "must not be empty");
  c.poll_interval_s = json_get_or<double>(j, "poll_interval_s", 30.0, where);
  require(c.poll_interval_s > 0 && c.poll_interval_s <= 86400, where, "poll_interval_s", "must be in (0, 86400]");

  if (j.contains("health") && !j["health"].is_null()) {
    const Json& h = j["health"];
    const std::string w = where + " health";
    check_keys(h, w, {"tolerance", "max_latency_ms", "max_memory_mb", "window_s", "nan_check", "max_latency_ratio"});
    c.health.tolerance = json_get_or<double>(h, "tolerance", c.health.tolerance, w);
    c.health.max_latency_ms = json_get_or<double>(h, "max_latency_ms", c.health.max_latency_ms, w);
    c.health.max_memory_mb = json_get_or<double>(h, "max_memory_mb", c.health.max_memory_mb, w);
    c.health.window_s = json_get_or<int64_t>(h, "window_s", c.health.window_s, w);
    c.health.nan_check = json_get_or<bool>(h, "nan_check", c.health.nan_check, w);
    c.health.max_latency_ratio = json_get_or<double>(h, "max_latency_ratio", c.health.max_latency_ratio, w);
    require(c.health.tolerance >= 0, w, "tolerance", "must be >= 0");
    require(c.health.max_latency_ms > 0, w, "max_latency_ms", "must be > 0");
    require(c.health.max_memory_mb > 0, w, "max_memory_mb", "must be > 0");
    require(c.health.window_s >= 0, w, "window_s", "must be >= 0");
    require(c.health.max_latency_ratio >= 1, w, "max_latency_ratio", "must be >= 1");
  }
  if (j.contains("shadow") && !j["shadow"].is_null()) {
    const Json& s = j["shadow"];
    const std::string w = where + " shadow";
    check_keys(s, w, {"enabled", "sample_rate", "min_samples", "min_agreement"});
    c.shadow.enabled = json_get_or<bool>(s, "enabled", false, w);
    c.shadow.sample_rate = json_get_or<double>(s, "sample_rate", c.shadow.sample_rate, w);
    c.shadow.min_samples = json_get_or<int64_t>(s, "min_samples", c.shadow.min_samples, w);
    c.shadow.min_agreement = json_get_or<double>(s, "min_agreement", c.shadow.min_agreement, w);
    require(c.shadow.sample_rate >= 0 && c.shadow.sample_rate <= 1, w, "sample_rate", "must be in [0, 1]");
    require(c.shadow.min_samples >= 0, w, "min_samples", "must be >= 0");
    require(c.shadow.min_agreement >= 0 && c.shadow.min_agreement <= 1, w, "min_agreement", "must be in [0, 1]");
  }
  if (j.contains("fallback_model") && !j["fallback_model"].is_null())
    c.fallback_model = json_get<std::string>(j, "fallback_model", where);
  if (j.contains("api") && !j["api"].is_null()) {
    const Json& a = j["api"];
    const std::string w = where + " api";
    check_keys(a, w, {"http_port", "unix_socket", "queue_depth", "default_deadline_ms"});
    c.api.http_port = json_get_or<int>(a, "http_port", 0, w);
    c.api.unix_socket = json_get_or<std::string>(a, "unix_socket", "", w);
    c.api.queue_depth = json_get_or<int64_t>(a, "queue_depth", c.api.queue_depth, w);
    c.api.default_deadline_ms = json_get_or<int64_t>(a, "default_deadline_ms", c.api.default_deadline_ms, w);
    require(c.api.http_port >= 0 && c.api.http_port <= 65535, w, "http_port", "must be in [0, 65535]");
    require(c.api.queue_depth >= 1 && c.api.queue_depth <= 4096, w, "queue_depth", "must be in [1, 4096]");
    require(c.api.default_deadline_ms >= 1, w, "default_deadline_ms", "must be >= 1");
  }
  if (j.contains("telemetry") && !j["telemetry"].is_null()) {
    const Json& t = j["telemetry"];
    const std::string w = where + " telemetry";
    check_keys(t, w, {"db", "quota_mb", "upload_interval_s"});
    c.telemetry.db = json_get_or<std::string>(t, "db", "", w);
    c.telemetry.quota_mb = json_get_or<double>(t, "quota_mb", c.telemetry.quota_mb, w);
    c.telemetry.upload_interval_s = json_get_or<int64_t>(t, "upload_interval_s", c.telemetry.upload_interval_s, w);
    require(c.telemetry.quota_mb > 0, w, "quota_mb", "must be > 0");
    require(c.telemetry.upload_interval_s >= 1, w, "upload_interval_s", "must be >= 1");
  }
  if (c.telemetry.db.empty()) c.telemetry.db = c.state_dir + "/telemetry.db";
  if (j.contains("download") && !j["download"].is_null()) {
    const Json& d = j["download"];
    const std::string w = where + " download";
    check_keys(d, w, {"max_bytes", "timeout_s", "max_retries", "stall_timeout_s"});
    c.download.max_bytes = json_get_or<int64_t>(d, "max_bytes", c.download.max_bytes, w);
    c.download.timeout_s = json_get_or<int64_t>(d, "timeout_s", c.download.timeout_s, w);
    c.download.max_retries = json_get_or<int64_t>(d, "max_retries", c.download.max_retries, w);
    c.download.stall_timeout_s = json_get_or<int64_t>(d, "stall_timeout_s", c.download.stall_timeout_s, w);
    require(c.download.max_bytes > 0, w, "max_bytes", "must be > 0");
    require(c.download.timeout_s > 0, w, "timeout_s", "must be > 0");
    require(c.download.max_retries >= 0 && c.download.max_retries <= 100, w, "max_retries", "must be in [0, 100]");
    require(c.download.stall_timeout_s > 0, w, "stall_timeout_s", "must be > 0");
  }
  if (j.contains("test_hooks") && !j["test_hooks"].is_null()) {
    check_keys(j["test_hooks"], where + " test_hooks", {"abort_on_model"});
    c.test_abort_on_model = json_get_or<std::string>(j["test_hooks"], "abort_on_model", "", where + " test_hooks");
  }
  return c;
}

AgentConfig load_agent_config(const std::string& path) {
  std::ifstream f(path);
  if (!f) fail(ErrorCode::kIo, "cannot read the agent config '", path, "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_agent_config(deploy::parse_json(ss.str(), path), path);
}

}  // namespace wisp::agent
