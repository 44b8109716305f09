#include "fleet/rollout_engine.hpp"

#include <algorithm>

#include "core/sha256.hpp"
#include "core/status.hpp"

namespace wisp::fleet {
namespace {

uint64_t rank_hash(const std::string& rollout_id, const std::string& device_id) {
  const std::string key = rollout_id + "/" + device_id;
  const Sha256Digest d = sha256(key.data(), key.size());
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | d[static_cast<size_t>(i)];
  return v;
}

bool accepts_hardware(const PackageRecord& p, const DeviceRecord& d) {
  return p.hardware.empty() || p.hardware == d.hardware;
}

}  // namespace

RolloutRecord RolloutEngine::create(const RolloutRequest& q, int64_t now) {
  RolloutRecord r;
  store_.db().transaction([&] {
    WISP_CHECK(store_.group_exists(q.group), ErrorCode::kInvalidArgument, "unknown group '", q.group,
               "' (POST /api/v1/groups first)");
    WISP_CHECK(store_.package(q.package_id).has_value(), ErrorCode::kInvalidArgument, "unknown package '",
               q.package_id, "' (upload it first)");
    WISP_CHECK(!q.stages.empty() && q.stages.back() == 100, ErrorCode::kInvalidArgument,
               "stages must be increasing percentages ending at 100, e.g. [5,25,100]");
    for (size_t i = 0; i < q.stages.size(); ++i)
      WISP_CHECK(q.stages[i] >= 1 && q.stages[i] <= 100 && (i == 0 || q.stages[i] > q.stages[i - 1]),
                 ErrorCode::kInvalidArgument, "stages must be increasing percentages in 1..100 ending at 100");
    WISP_CHECK(q.window_s >= 0 && q.min_devices_reporting >= 1 && q.max_error_rate >= 0 && q.max_latency_ratio > 0 &&
                   q.stage_timeout_s >= 0,
               ErrorCode::kInvalidArgument,
               "window_s >= 0, min_devices_reporting >= 1, max_error_rate >= 0, max_latency_ratio > 0 and "
               "stage_timeout_s >= 0 are required");
    for (const RolloutRecord& other : store_.rollouts(q.group))
      WISP_CHECK(other.state != "running", ErrorCode::kInvalidArgument, "group '", q.group, "' already has rollout ",
                 other.rollout_id, " running; halt it first");
    r.seq = store_.next_rollout_seq();
    r.rollout_id = str_cat("r", r.seq);
    r.group = q.group;
    r.package_id = q.package_id;
    r.previous_package_id = store_.group_package(q.group);
    r.stages = q.stages;
    r.state = "running";
    r.window_s = q.window_s;
    r.min_devices_reporting = q.min_devices_reporting;
    r.max_error_rate = q.max_error_rate;
    r.min_shadow_agreement = q.min_shadow_agreement;
    r.max_latency_ratio = q.max_latency_ratio;
    r.stage_timeout_s = q.stage_timeout_s;
    r.created = r.stage_started = r.updated = now;
    store_.add_rollout(r);
    store_.add_rollout_event(r.rollout_id, now, str_cat("started: stage 1 (", q.stages[0], "%)"));
  });
  return r;
}

std::vector<std::string> RolloutEngine::stage_members(const RolloutRecord& r) {
  const std::optional<PackageRecord> pkg = store_.package(r.package_id);
  std::vector<std::pair<uint64_t, std::string>> ranked;
  for (const DeviceRecord& d : store_.devices(r.group))
    if (pkg && accepts_hardware(*pkg, d)) ranked.emplace_back(rank_hash(r.rollout_id, d.device_id), d.device_id);
  std::sort(ranked.begin(), ranked.end());
  const int64_t n = static_cast<int64_t>(ranked.size());
  const int pct = r.state == "completed" ? 100 : r.stages.at(static_cast<size_t>(r.stage_index));
  const int64_t count = pct >= 100 ? n : std::min(n, std::max<int64_t>(1, pct * n / 100));
  std::vector<std::string> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(ranked[static_cast<size_t>(i)].second);
  return out;
}

std::optional<PackageRecord> RolloutEngine::assignment(const DeviceRecord& device) {
  const std::vector<RolloutRecord> rs = store_.rollouts(device.group);
  std::optional<std::string> id;
  if (rs.empty()) {
    id = store_.group_package(device.group);
  } else {
    const RolloutRecord& r = rs.front();
    if (r.state == "completed") {
      id = r.package_id;
    } else if (r.state == "running") {
      const std::vector<std::string> m = stage_members(r);
      id = std::find(m.begin(), m.end(), device.device_id) != m.end() ? std::optional(r.package_id)
                                                                      : r.previous_package_id;
    } else {
      id = r.previous_package_id;
    }
  }
  if (!id) return std::nullopt;
  std::optional<PackageRecord> p = store_.package(*id);
  if (p && !accepts_hardware(*p, device)) return std::nullopt;
  return p;
}

void RolloutEngine::finish(RolloutRecord& r, const std::string& state, const std::string& reason, int64_t now) {
  r.state = state;
  r.reason = reason;
  r.updated = now;
  r.stage_ok_since.reset();
  store_.update_rollout(r);
  store_.add_rollout_event(r.rollout_id, now, str_cat(state, ": ", reason));
}

bool RolloutEngine::halt(const std::string& rollout_id, const std::string& reason, int64_t now) {
  bool done = false;
  store_.db().transaction([&] {
    std::optional<RolloutRecord> r = store_.rollout(rollout_id);
    WISP_CHECK(r.has_value(), ErrorCode::kInvalidArgument, "unknown rollout '", rollout_id, "'");
    if (r->state != "running") return;
    finish(*r, "halted", reason.empty() ? "halted by the operator" : reason, now);
    done = true;
  });
  return done;
}

void RolloutEngine::tick(int64_t now) {
  store_.db().transaction([&] {
    for (const RolloutRecord& r : store_.rollouts())
      if (r.state == "running") evaluate(r, now);
  });
}

void RolloutEngine::evaluate(RolloutRecord r, int64_t now) {
  const std::optional<PackageRecord> pkg = store_.package(r.package_id);
  if (!pkg) return finish(r, "halted", str_cat("package ", r.package_id, " is gone"), now);
  const std::vector<std::string> members = stage_members(r);
  int64_t good = 0;
  for (const std::string& id : members) {
    const std::optional<DeviceRecord> d = store_.device(id);
    if (!d || !d->status || !d->status_time) continue;
    const DeviceStatus& s = *d->status;
    const bool fresh_for_rollout = *d->status_time >= r.created;
    // A failure counts against this rollout when the report names its release (as active or
    // candidate, or in the reason): a device still reporting an older release's failure
    // must not stop a new rollout.
    const bool about_release = s.active_counter == pkg->counter || s.candidate_counter == pkg->counter ||
                               (!pkg->version.empty() && s.reason.find(pkg->version) != std::string::npos);
    if (fresh_for_rollout && about_release && (s.state == "health_failed" || s.state == "rolled_back"))
      return finish(r, "rolled_back",
                    str_cat("device ", id, " reported ", s.state, s.reason.empty() ? "" : " (", s.reason,
                            s.reason.empty() ? "" : ")"),
                    now);
    if (fresh_for_rollout && about_release && s.shadow_agreement && s.shadow_samples.value_or(0) > 0 &&
        *s.shadow_agreement < r.min_shadow_agreement)
      return finish(r, "rolled_back",
                    str_cat("device ", id, " shadow agreement ", *s.shadow_agreement, " < ", r.min_shadow_agreement),
                    now);
    if (s.state != "serving" || s.active_counter != pkg->counter || *d->status_time < r.stage_started) {
      if (r.stage_timeout_s > 0 && *d->status_time >= r.stage_started + r.stage_timeout_s &&
          now >= r.stage_started + r.stage_timeout_s && s.active_counter != pkg->counter)
        return finish(r, "rolled_back",
                      str_cat("device ", id, " still reports ", s.state, " ", s.active_version.value_or("no model"),
                              " ", r.stage_timeout_s, " s after the stage started, not ", pkg->version,
                              s.reason.empty() ? "" : " (", s.reason, s.reason.empty() ? "" : ")"),
                      now);
      continue;
    }
    if (s.error_rate > r.max_error_rate)
      return finish(r, "rolled_back",
                    str_cat("device ", id, " error rate ", s.error_rate, " > ", r.max_error_rate),
                    now);
    if (d->baseline_p50 && *d->baseline_p50 > 0 && d->baseline_counter != pkg->counter &&
        s.latency_p50 / *d->baseline_p50 > r.max_latency_ratio)
      return finish(r, "rolled_back",
                    str_cat("device ", id, " latency p50 ", s.latency_p50, " ms is ", s.latency_p50 / *d->baseline_p50,
                            "x its previous ", *d->baseline_p50, " ms (max ", r.max_latency_ratio, "x)"),
                    now);
    ++good;
  }
  const int64_t needed = std::min<int64_t>(r.min_devices_reporting, static_cast<int64_t>(members.size()));
  const bool all_good = !members.empty() && good == static_cast<int64_t>(members.size()) && good >= needed;
  if (!all_good) {
    if (r.stage_ok_since) {
      r.stage_ok_since.reset();
      r.updated = now;
      store_.update_rollout(r);
    }
    return;
  }
  if (!r.stage_ok_since) {
    r.stage_ok_since = now;
    r.updated = now;
    store_.update_rollout(r);
  }
  if (now - *r.stage_ok_since < r.window_s) return;
  if (static_cast<size_t>(r.stage_index + 1) >= r.stages.size()) {
    store_.set_group_package(r.group, r.package_id);
    return finish(r, "completed", "all stages healthy", now);
  }
  ++r.stage_index;
  r.stage_started = now;
  r.stage_ok_since.reset();
  r.updated = now;
  store_.update_rollout(r);
  store_.add_rollout_event(r.rollout_id, now,
                           str_cat("advanced to stage ", r.stage_index + 1, " (",
                                   r.stages[static_cast<size_t>(r.stage_index)], "%)"));
}

}  // namespace wisp::fleet
