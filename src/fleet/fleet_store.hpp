// FleetStore: the fleet's records (signing keys, packages, groups, devices, request nonces,
// device status, telemetry, rollouts) over the storage interface. All SQL lives here and in
// schema.cpp, written once for both backends (database.hpp). Times are unix seconds from
// the caller's clock, so tests drive them with a fake clock.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fleet/database.hpp"

namespace wisp::fleet {

struct SigningKeyRecord {
  std::string key_id;      // hex KeyId (src/package), as written in .wpkg headers
  std::string name;
  std::string public_key;  // base64 Ed25519 public key
};

struct PackageRecord {
  std::string package_id;
  std::string name, version;
  int64_t counter = 0;
  std::string hardware;
  int64_t size = 0;
  std::string sha256;  // hex, of the whole .wpkg file (also its file name in package_dir)
  std::string signer;  // key id
  int64_t created = 0;
};

// What a device last reported (POST /device/status), flattened for queries.
struct DeviceStatus {
  std::string state;  // serving|verifying|health_failed|rolled_back|shadow|fallback|no_model
  std::string reason;
  std::optional<std::string> active_version, candidate_version;
  std::optional<int64_t> active_counter, candidate_counter;
  double latency_p50 = 0, latency_p99 = 0, error_rate = 0;
  int64_t memory_bytes = 0;
  std::optional<int64_t> shadow_samples;
  std::optional<double> shadow_agreement, shadow_mean_abs_diff;
  std::string json;  // the report as received
};

struct DeviceRecord {
  std::string device_id, identity_public_key, box_public_key, hardware, group;
  int64_t enrolled = 0;
  std::optional<int64_t> last_seen, status_time;
  std::optional<DeviceStatus> status;
  // Latency while serving an earlier release: the denominator of the latency ratio.
  std::optional<int64_t> baseline_counter;
  std::optional<double> baseline_p50;
};

struct RolloutRecord {
  std::string rollout_id;
  int64_t seq = 0;
  std::string group, package_id;
  std::optional<std::string> previous_package_id;
  std::vector<int> stages;  // percentages, increasing, last 100
  int64_t stage_index = 0;
  std::string state;        // running|completed|halted|rolled_back
  std::string reason;
  int64_t window_s = 0, min_devices_reporting = 1;
  double max_error_rate = 0, min_shadow_agreement = 0, max_latency_ratio = 0;
  int64_t created = 0, stage_started = 0, updated = 0;
  std::optional<int64_t> stage_ok_since;
  int64_t stage_timeout_s = 0;  // 0 = none
};

struct TelemetryRecord {
  std::string device_id, record_id, kind, data;  // data: JSON text
  int64_t time = 0, received = 0;
};

class FleetStore {
 public:
  explicit FleetStore(std::unique_ptr<Database> db);  // applies migrations
  Database& db() { return *db_; }

  // Signing keys
  void add_signing_key(const SigningKeyRecord& k, int64_t now);  // idempotent on key_id
  std::vector<SigningKeyRecord> signing_keys();

  // Packages
  // Inserts, or returns the stored record when the same bytes (sha256) are already there.
  PackageRecord add_package(const PackageRecord& p);
  std::optional<PackageRecord> package(const std::string& package_id);
  std::vector<PackageRecord> packages();

  // Groups
  bool add_group(const std::string& name, int64_t now);  // false if it exists
  bool group_exists(const std::string& name);
  std::optional<std::string> group_package(const std::string& name);
  void set_group_package(const std::string& name, const std::optional<std::string>& package_id);

  // Devices
  void enroll_device(const DeviceRecord& d);  // throws kInvalidArgument if the id exists
  std::optional<DeviceRecord> device(const std::string& device_id);
  std::vector<DeviceRecord> devices(const std::string& group = "");
  void touch_device(const std::string& device_id, int64_t now);
  void record_status(const std::string& device_id, const DeviceStatus& s, int64_t now);

  // Replay protection: true if (device, nonce) was not seen; records it. Forgets nonces
  // older than `forget_before`.
  bool remember_nonce(const std::string& device_id, const std::string& nonce, int64_t now, int64_t forget_before);

  // Telemetry: inserts each record unless (device, id) exists; returns every id (new or
  // already stored), so a device that lost the answer can resend.
  std::vector<std::string> add_telemetry(const std::vector<TelemetryRecord>& records);
  std::vector<TelemetryRecord> telemetry(const std::string& device_id, const std::string& kind, int64_t since,
                                         int64_t limit);

  // Rollouts
  void add_rollout(const RolloutRecord& r);
  void update_rollout(const RolloutRecord& r);  // state, stage, reason, times
  std::optional<RolloutRecord> rollout(const std::string& rollout_id);
  std::vector<RolloutRecord> rollouts(const std::string& group = "");  // newest first
  int64_t next_rollout_seq();
  void add_rollout_event(const std::string& rollout_id, int64_t now, const std::string& event);
  std::vector<std::pair<int64_t, std::string>> rollout_events(const std::string& rollout_id);

 private:
  std::unique_ptr<Database> db_;
};

}  // namespace wisp::fleet
