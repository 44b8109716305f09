// The fleet schema as numbered migrations, shared by both backends. A migration is applied
// once, in order, inside one transaction that also records its number in
// schema_migrations; a database that was created by a newer fleet (a number this build
// does not know) is refused rather than guessed at. To change the schema, append a
// migration; never edit one that has shipped.
#include "fleet/schema.hpp"

#include "core/status.hpp"

namespace wisp::fleet {
namespace {

const std::vector<std::vector<std::string>>& migrations() {
  static const std::vector<std::vector<std::string>> m = {
      // 1: registry, devices, rollouts, telemetry.
      {
          "CREATE TABLE signing_keys (key_id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL,"
          " created BIGINT NOT NULL)",
          "CREATE TABLE packages (package_id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
          " counter BIGINT NOT NULL, hardware TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL,"
          " signer TEXT NOT NULL, created BIGINT NOT NULL)",
          "CREATE TABLE device_groups (name TEXT PRIMARY KEY, current_package_id TEXT, created BIGINT NOT NULL)",
          "CREATE TABLE devices (device_id TEXT PRIMARY KEY, identity_public_key TEXT NOT NULL,"
          " box_public_key TEXT NOT NULL, hardware TEXT NOT NULL, group_name TEXT NOT NULL,"
          " enrolled BIGINT NOT NULL, last_seen BIGINT, status_time BIGINT, state TEXT, reason TEXT,"
          " active_version TEXT, active_counter BIGINT, candidate_version TEXT, candidate_counter BIGINT,"
          " latency_p50 DOUBLE PRECISION, latency_p99 DOUBLE PRECISION, error_rate DOUBLE PRECISION,"
          " memory_bytes BIGINT, shadow_samples BIGINT, shadow_agreement DOUBLE PRECISION,"
          " shadow_mean_abs_diff DOUBLE PRECISION, baseline_counter BIGINT, baseline_p50 DOUBLE PRECISION,"
          " status_json TEXT)",
          "CREATE TABLE request_nonces (device_id TEXT NOT NULL, nonce TEXT NOT NULL, time BIGINT NOT NULL,"
          " PRIMARY KEY (device_id, nonce))",
          "CREATE TABLE rollouts (rollout_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, group_name TEXT NOT NULL,"
          " package_id TEXT NOT NULL, previous_package_id TEXT, stages TEXT NOT NULL, stage_index BIGINT NOT NULL,"
          " state TEXT NOT NULL, reason TEXT NOT NULL, window_s BIGINT NOT NULL, min_devices_reporting BIGINT NOT NULL,"
          " max_error_rate DOUBLE PRECISION NOT NULL, min_shadow_agreement DOUBLE PRECISION NOT NULL,"
          " max_latency_ratio DOUBLE PRECISION NOT NULL, created BIGINT NOT NULL, stage_started BIGINT NOT NULL,"
          " stage_ok_since BIGINT, updated BIGINT NOT NULL, stage_timeout_s BIGINT NOT NULL)",
          "CREATE TABLE rollout_events (rollout_id TEXT NOT NULL, time BIGINT NOT NULL, event TEXT NOT NULL)",
          "CREATE TABLE telemetry (device_id TEXT NOT NULL, record_id TEXT NOT NULL, time BIGINT NOT NULL,"
          " kind TEXT NOT NULL, data TEXT NOT NULL, received BIGINT NOT NULL, PRIMARY KEY (device_id, record_id))",
          "CREATE INDEX telemetry_by_time ON telemetry (kind, time)",
      },
  };
  return m;
}

}  // namespace

int schema_version() { return static_cast<int>(migrations().size()); }

void migrate(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)");
  db.transaction([&] {
    const SqlResult r = db.exec("SELECT MAX(version) FROM schema_migrations");
    const int64_t have = r.rows.empty() ? 0 : r.rows[0].integer_or(0, 0);
    WISP_CHECK(have <= schema_version(), ErrorCode::kUnsupported, "fleet storage (", db.backend_name(),
               ") has schema version ", have, ", newer than this fleet's ", schema_version(),
               ": run the newer `wisp fleet` or use another database");
    for (int64_t v = have + 1; v <= schema_version(); ++v) {
      for (const std::string& sql : migrations()[static_cast<size_t>(v - 1)]) db.exec(sql);
      db.exec("INSERT INTO schema_migrations (version, applied) VALUES (?, 0)", {sql_int(v)});
    }
  });
}

}  // namespace wisp::fleet
