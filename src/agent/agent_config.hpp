// The agent's configuration file (JSON; reference in docs/agent.md). Loaded once at start,
// validated field by field: an error names the field and the file and says what is allowed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deploy/json.hpp"

namespace wisp::agent {

struct HealthConfig {
  double tolerance = 1e-4;       // rtol and atol of the reference-output comparison
  double max_latency_ms = 1000;  // per inference, health check and in service (p50)
  double max_memory_mb = 512;    // arena + weights of the candidate
  int64_t window_s = 60;         // in-service health window after a switch
  bool nan_check = true;         // NaN/Inf outputs count as failures
  double max_latency_ratio = 2;  // candidate p50 / previous model p50 beyond this: rollback
};

struct ShadowConfig {
  bool enabled = false;
  double sample_rate = 0.1;  // fraction of live requests also run on the candidate
  int64_t min_samples = 20;
  double min_agreement = 0.95;  // top-1 agreement needed to promote
};

struct ApiConfig {
  int http_port = 0;  // 0 = no TCP listener
  std::string unix_socket;  // "" = none
  int64_t queue_depth = 16;
  int64_t default_deadline_ms = 1000;
};

struct TelemetryConfig {
  std::string db;  // default: <state_dir>/telemetry.db
  double quota_mb = 16;
  int64_t upload_interval_s = 60;
};

struct DownloadConfig {
  int64_t max_bytes = int64_t{256} << 20;
  int64_t timeout_s = 300;        // whole download, all attempts
  int64_t max_retries = 5;
  int64_t stall_timeout_s = 10;   // no byte for this long: the attempt is abandoned
};

struct AgentConfig {
  std::string path;  // the file it came from (for messages)
  std::string device_id;
  std::string server;  // http://host:port
  std::string identity_key;
  std::string box_key;
  std::vector<std::string> trust_keys;
  std::string hardware;
  std::string state_dir;
  double poll_interval_s = 30;
  HealthConfig health;
  ShadowConfig shadow;
  std::optional<std::string> fallback_model;
  ApiConfig api;
  TelemetryConfig telemetry;
  DownloadConfig download;
  // Test only ("test_hooks": {"abort_on_model": NAME}): running a model whose package name
  // is NAME calls abort(), as a crashing kernel would. Lets tests show that a crash during
  // a trial is survived (docs/agent.md, crash detection).
  std::string test_abort_on_model;
};

// Throws wisp::Error(kInvalidArgument) naming the field, or kIo when the file cannot be read.
AgentConfig load_agent_config(const std::string& path);
AgentConfig parse_agent_config(const deploy::Json& j, const std::string& where);

}  // namespace wisp::agent
