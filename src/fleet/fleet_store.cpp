// FleetStore: SQL for the fleet's records (one dialect for SQLite and PostgreSQL).
#include "fleet/fleet_store.hpp"

#include <sstream>

#include "core/status.hpp"
#include "fleet/schema.hpp"

namespace wisp::fleet {
namespace {

SqlValue opt_text(const std::optional<std::string>& v) { return v ? sql_text(*v) : sql_null(); }
SqlValue opt_int(const std::optional<int64_t>& v) { return v ? sql_int(*v) : sql_null(); }
SqlValue opt_real(const std::optional<double>& v) { return v ? sql_real(*v) : sql_null(); }
std::optional<std::string> get_opt_text(const SqlRow& r, size_t i) { return r.cells.at(i); }
std::optional<int64_t> get_opt_int(const SqlRow& r, size_t i) {
  return r.is_null(i) ? std::nullopt : std::optional<int64_t>(r.integer(i));
}
std::optional<double> get_opt_real(const SqlRow& r, size_t i) {
  return r.is_null(i) ? std::nullopt : std::optional<double>(r.real_or(i, 0));
}

constexpr const char* kPackageColumns = "package_id, name, version, counter, hardware, size, sha256, signer, created";
PackageRecord package_from(const SqlRow& r) {
  return PackageRecord{r.text(0), r.text(1), r.text(2), r.integer(3), r.text(4), r.integer(5),
                       r.text(6), r.text(7), r.integer(8)};
}

constexpr const char* kDeviceColumns =
    "device_id, identity_public_key, box_public_key, hardware, group_name, enrolled, last_seen, status_time, state,"
    " reason, active_version, active_counter, candidate_version, candidate_counter, latency_p50, latency_p99,"
    " error_rate, memory_bytes, shadow_samples, shadow_agreement, shadow_mean_abs_diff, baseline_counter,"
    " baseline_p50, status_json";
DeviceRecord device_from(const SqlRow& r) {
  DeviceRecord d;
  d.device_id = r.text(0);
  d.identity_public_key = r.text(1);
  d.box_public_key = r.text(2);
  d.hardware = r.text(3);
  d.group = r.text(4);
  d.enrolled = r.integer(5);
  d.last_seen = get_opt_int(r, 6);
  d.status_time = get_opt_int(r, 7);
  if (!r.is_null(8)) {
    DeviceStatus s;
    s.state = r.text(8);
    s.reason = r.text_or(9, "");
    s.active_version = get_opt_text(r, 10);
    s.active_counter = get_opt_int(r, 11);
    s.candidate_version = get_opt_text(r, 12);
    s.candidate_counter = get_opt_int(r, 13);
    s.latency_p50 = r.real_or(14, 0);
    s.latency_p99 = r.real_or(15, 0);
    s.error_rate = r.real_or(16, 0);
    s.memory_bytes = r.integer_or(17, 0);
    s.shadow_samples = get_opt_int(r, 18);
    s.shadow_agreement = get_opt_real(r, 19);
    s.shadow_mean_abs_diff = get_opt_real(r, 20);
    s.json = r.text_or(23, "{}");
    d.status = s;
  }
  d.baseline_counter = get_opt_int(r, 21);
  d.baseline_p50 = get_opt_real(r, 22);
  return d;
}

constexpr const char* kRolloutColumns =
    "rollout_id, seq, group_name, package_id, previous_package_id, stages, stage_index, state, reason, window_s,"
    " min_devices_reporting, max_error_rate, min_shadow_agreement, max_latency_ratio, created, stage_started,"
    " stage_ok_since, updated, stage_timeout_s";
std::string stages_text(const std::vector<int>& stages) {
  std::string s;
  for (int v : stages) {
    if (!s.empty()) s += ',';
    s += std::to_string(v);
  }
  return s;
}
RolloutRecord rollout_from(const SqlRow& r) {
  RolloutRecord o;
  o.rollout_id = r.text(0);
  o.seq = r.integer(1);
  o.group = r.text(2);
  o.package_id = r.text(3);
  o.previous_package_id = get_opt_text(r, 4);
  std::stringstream ss(r.text(5));
  for (std::string part; std::getline(ss, part, ',');) o.stages.push_back(std::stoi(part));
  o.stage_index = r.integer(6);
  o.state = r.text(7);
  o.reason = r.text(8);
  o.window_s = r.integer(9);
  o.min_devices_reporting = r.integer(10);
  o.max_error_rate = r.real_or(11, 0);
  o.min_shadow_agreement = r.real_or(12, 0);
  o.max_latency_ratio = r.real_or(13, 0);
  o.created = r.integer(14);
  o.stage_started = r.integer(15);
  o.stage_ok_since = get_opt_int(r, 16);
  o.updated = r.integer(17);
  o.stage_timeout_s = r.integer(18);
  return o;
}

}  // namespace

FleetStore::FleetStore(std::unique_ptr<Database> db) : db_(std::move(db)) { migrate(*db_); }

void FleetStore::add_signing_key(const SigningKeyRecord& k, int64_t now) {
  db_->exec("INSERT INTO signing_keys (key_id, name, public_key, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key_id) DO UPDATE SET name = excluded.name",
            {sql_text(k.key_id), sql_text(k.name), sql_text(k.public_key), sql_int(now)});
}

std::vector<SigningKeyRecord> FleetStore::signing_keys() {
  std::vector<SigningKeyRecord> out;
  for (const SqlRow& r : db_->exec("SELECT key_id, name, public_key FROM signing_keys ORDER BY created, key_id").rows)
    out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

PackageRecord FleetStore::add_package(const PackageRecord& p) {
  PackageRecord out = p;
  db_->transaction([&] {
    const SqlResult existing =
        db_->exec(std::string("SELECT ") + kPackageColumns + " FROM packages WHERE sha256 = ?", {sql_text(p.sha256)});
    if (!existing.rows.empty()) {
      out = package_from(existing.rows[0]);
      return;
    }
    db_->exec(std::string("INSERT INTO packages (") + kPackageColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {sql_text(p.package_id), sql_text(p.name), sql_text(p.version), sql_int(p.counter), sql_text(p.hardware),
               sql_int(p.size), sql_text(p.sha256), sql_text(p.signer), sql_int(p.created)});
  });
  return out;
}

std::optional<PackageRecord> FleetStore::package(const std::string& package_id) {
  const SqlResult r =
      db_->exec(std::string("SELECT ") + kPackageColumns + " FROM packages WHERE package_id = ?", {sql_text(package_id)});
  if (r.rows.empty()) return std::nullopt;
  return package_from(r.rows[0]);
}

std::vector<PackageRecord> FleetStore::packages() {
  std::vector<PackageRecord> out;
  for (const SqlRow& r : db_->exec(std::string("SELECT ") + kPackageColumns + " FROM packages ORDER BY created, package_id").rows)
    out.push_back(package_from(r));
  return out;
}

bool FleetStore::add_group(const std::string& name, int64_t now) {
  return db_->exec("INSERT INTO device_groups (name, current_package_id, created) VALUES (?, NULL, ?)"
                   " ON CONFLICT (name) DO NOTHING",
                   {sql_text(name), sql_int(now)})
             .changes == 1;
}

bool FleetStore::group_exists(const std::string& name) {
  return !db_->exec("SELECT name FROM device_groups WHERE name = ?", {sql_text(name)}).rows.empty();
}

std::optional<std::string> FleetStore::group_package(const std::string& name) {
  const SqlResult r = db_->exec("SELECT current_package_id FROM device_groups WHERE name = ?", {sql_text(name)});
  if (r.rows.empty()) return std::nullopt;
  return r.rows[0].cells[0];
}

void FleetStore::set_group_package(const std::string& name, const std::optional<std::string>& package_id) {
  db_->exec("UPDATE device_groups SET current_package_id = ? WHERE name = ?", {opt_text(package_id), sql_text(name)});
}

void FleetStore::enroll_device(const DeviceRecord& d) {
  const SqlResult r = db_->exec(
      "INSERT INTO devices (device_id, identity_public_key, box_public_key, hardware, group_name, enrolled)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO NOTHING",
      {sql_text(d.device_id), sql_text(d.identity_public_key), sql_text(d.box_public_key), sql_text(d.hardware),
       sql_text(d.group), sql_int(d.enrolled)});
  WISP_CHECK(r.changes == 1, ErrorCode::kInvalidArgument, "device '", d.device_id,
             "' is already enrolled; choose another device id (or remove the old device first)");
}

std::optional<DeviceRecord> FleetStore::device(const std::string& device_id) {
  const SqlResult r =
      db_->exec(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE device_id = ?", {sql_text(device_id)});
  if (r.rows.empty()) return std::nullopt;
  return device_from(r.rows[0]);
}

std::vector<DeviceRecord> FleetStore::devices(const std::string& group) {
  std::vector<DeviceRecord> out;
  const SqlResult r =
      group.empty() ? db_->exec(std::string("SELECT ") + kDeviceColumns + " FROM devices ORDER BY device_id")
                    : db_->exec(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE group_name = ? ORDER BY device_id",
                                {sql_text(group)});
  for (const SqlRow& row : r.rows) out.push_back(device_from(row));
  return out;
}

void FleetStore::touch_device(const std::string& device_id, int64_t now) {
  db_->exec("UPDATE devices SET last_seen = ? WHERE device_id = ?", {sql_int(now), sql_text(device_id)});
}

void FleetStore::record_status(const std::string& device_id, const DeviceStatus& s, int64_t now) {
  db_->transaction([&] {
    const std::optional<DeviceRecord> before = device(device_id);
    WISP_CHECK(before.has_value(), ErrorCode::kInvalidArgument, "status for unknown device '", device_id, "'");
    // The latency baseline follows the device while it serves a release: when the active
    // release changes, the last p50 of the previous one becomes the baseline.
    std::optional<int64_t> baseline_counter = before->baseline_counter;
    std::optional<double> baseline_p50 = before->baseline_p50;
    const bool serving = s.state == "serving" && s.active_counter && s.latency_p50 > 0;
    if (before->status && before->status->state == "serving" && before->status->active_counter && serving &&
        before->status->active_counter != s.active_counter && before->status->latency_p50 > 0) {
      baseline_counter = before->status->active_counter;
      baseline_p50 = before->status->latency_p50;
    }
    db_->exec(
        "UPDATE devices SET last_seen = ?, status_time = ?, state = ?, reason = ?, active_version = ?,"
        " active_counter = ?, candidate_version = ?, candidate_counter = ?, latency_p50 = ?, latency_p99 = ?,"
        " error_rate = ?, memory_bytes = ?, shadow_samples = ?, shadow_agreement = ?, shadow_mean_abs_diff = ?,"
        " baseline_counter = ?, baseline_p50 = ?, status_json = ? WHERE device_id = ?",
        {sql_int(now), sql_int(now), sql_text(s.state), sql_text(s.reason), opt_text(s.active_version),
         opt_int(s.active_counter), opt_text(s.candidate_version), opt_int(s.candidate_counter), sql_real(s.latency_p50),
         sql_real(s.latency_p99), sql_real(s.error_rate), sql_int(s.memory_bytes), opt_int(s.shadow_samples),
         opt_real(s.shadow_agreement), opt_real(s.shadow_mean_abs_diff), opt_int(baseline_counter),
         opt_real(baseline_p50), sql_text(s.json), sql_text(device_id)});
  });
}

bool FleetStore::remember_nonce(const std::string& device_id, const std::string& nonce, int64_t now,
                                int64_t forget_before) {
  bool fresh = false;
  db_->transaction([&] {
    db_->exec("DELETE FROM request_nonces WHERE time < ?", {sql_int(forget_before)});
    fresh = db_->exec("INSERT INTO request_nonces (device_id, nonce, time) VALUES (?, ?, ?)"
                      " ON CONFLICT (device_id, nonce) DO NOTHING",
                      {sql_text(device_id), sql_text(nonce), sql_int(now)})
                .changes == 1;
  });
  return fresh;
}

std::vector<std::string> FleetStore::add_telemetry(const std::vector<TelemetryRecord>& records) {
  std::vector<std::string> accepted;
  db_->transaction([&] {
    for (const TelemetryRecord& t : records) {
      db_->exec("INSERT INTO telemetry (device_id, record_id, time, kind, data, received) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (device_id, record_id) DO NOTHING",
                {sql_text(t.device_id), sql_text(t.record_id), sql_int(t.time), sql_text(t.kind), sql_text(t.data),
                 sql_int(t.received)});
      accepted.push_back(t.record_id);
    }
  });
  return accepted;
}

std::vector<TelemetryRecord> FleetStore::telemetry(const std::string& device_id, const std::string& kind, int64_t since,
                                                   int64_t limit) {
  // Empty filters match everything ('' = ? OR column = ?), which keeps one statement.
  const SqlResult r = db_->exec(
      "SELECT device_id, record_id, kind, data, time, received FROM telemetry WHERE (? = '' OR device_id = ?)"
      " AND (? = '' OR kind = ?) AND time >= ? ORDER BY time, device_id, record_id LIMIT ?",
      {sql_text(device_id), sql_text(device_id), sql_text(kind), sql_text(kind), sql_int(since), sql_int(limit)});
  std::vector<TelemetryRecord> out;
  for (const SqlRow& row : r.rows)
    out.push_back({row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.integer(5)});
  return out;
}

void FleetStore::add_rollout(const RolloutRecord& r) {
  db_->exec(std::string("INSERT INTO rollouts (") + kRolloutColumns +
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {sql_text(r.rollout_id), sql_int(r.seq), sql_text(r.group), sql_text(r.package_id),
             opt_text(r.previous_package_id), sql_text(stages_text(r.stages)), sql_int(r.stage_index), sql_text(r.state),
             sql_text(r.reason), sql_int(r.window_s), sql_int(r.min_devices_reporting), sql_real(r.max_error_rate),
             sql_real(r.min_shadow_agreement), sql_real(r.max_latency_ratio), sql_int(r.created),
             sql_int(r.stage_started), opt_int(r.stage_ok_since), sql_int(r.updated), sql_int(r.stage_timeout_s)});
}

void FleetStore::update_rollout(const RolloutRecord& r) {
  db_->exec("UPDATE rollouts SET stage_index = ?, state = ?, reason = ?, stage_started = ?, stage_ok_since = ?,"
            " updated = ? WHERE rollout_id = ?",
            {sql_int(r.stage_index), sql_text(r.state), sql_text(r.reason), sql_int(r.stage_started),
             opt_int(r.stage_ok_since), sql_int(r.updated), sql_text(r.rollout_id)});
}

std::optional<RolloutRecord> FleetStore::rollout(const std::string& rollout_id) {
  const SqlResult r =
      db_->exec(std::string("SELECT ") + kRolloutColumns + " FROM rollouts WHERE rollout_id = ?", {sql_text(rollout_id)});
  if (r.rows.empty()) return std::nullopt;
  return rollout_from(r.rows[0]);
}

std::vector<RolloutRecord> FleetStore::rollouts(const std::string& group) {
  const SqlResult r =
      group.empty() ? db_->exec(std::string("SELECT ") + kRolloutColumns + " FROM rollouts ORDER BY seq DESC")
                    : db_->exec(std::string("SELECT ") + kRolloutColumns + " FROM rollouts WHERE group_name = ? ORDER BY seq DESC",
                                {sql_text(group)});
  std::vector<RolloutRecord> out;
  for (const SqlRow& row : r.rows) out.push_back(rollout_from(row));
  return out;
}

int64_t FleetStore::next_rollout_seq() {
  const SqlResult r = db_->exec("SELECT MAX(seq) FROM rollouts");
  return (r.rows.empty() ? 0 : r.rows[0].integer_or(0, 0)) + 1;
}

void FleetStore::add_rollout_event(const std::string& rollout_id, int64_t now, const std::string& event) {
  db_->exec("INSERT INTO rollout_events (rollout_id, time, event) VALUES (?, ?, ?)",
            {sql_text(rollout_id), sql_int(now), sql_text(event)});
}

std::vector<std::pair<int64_t, std::string>> FleetStore::rollout_events(const std::string& rollout_id) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const SqlRow& r :
       db_->exec("SELECT time, event FROM rollout_events WHERE rollout_id = ? ORDER BY time", {sql_text(rollout_id)}).rows)
    out.emplace_back(r.integer(0), r.text(1));
  return out;
}

}  // namespace wisp::fleet
