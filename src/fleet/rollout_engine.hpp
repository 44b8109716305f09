// Staged rollouts: assign a package to a group in stages (e.g. 34% -> 67% -> 100%), advance
// when the stage is healthy for a whole window, halt and roll back when it regresses.
//
// Membership. The group's devices (those whose hardware the package accepts) are ranked by
// sha256(rollout_id "/" device_id); stage s% holds the first max(1, floor(s * n / 100)) of
// them (all n at 100%). Stages are therefore nested (a device never leaves a rollout as it
// widens), the choice is pseudo-random per rollout and stable across restarts, and a small
// group still gets a real first stage: with 3 devices, 34/67/100 expose exactly 1, 2, 3.
// (Protocol text: "hash % 100 < stage"; a per-device threshold gives binomial stage sizes,
// so a 5% stage of 3 devices would usually be empty. See docs/fleet.md.)
//
// Advancing. A member is good when its latest report, made after the stage started, says
// `serving` the rollout's release (counter), error_rate <= max_error_rate, shadow agreement
// (when reported) >= min_shadow_agreement, and p50 latency / its p50 on the previous release
// (when known) <= max_latency_ratio. The stage advances once every member has been good, and
// at least min(min_devices_reporting, members) report, continuously for window_s (checked
// at each tick; a bad tick restarts the window). After the last stage the rollout is
// completed and the package becomes the group's current one.
//
// Regressing. Any member reporting health_failed or rolled_back for this release (active or
// candidate counter, or its version named in the reason) after the rollout started,
// or serving the release with error rate / latency ratio / shadow agreement (in serving or
// shadow state) beyond the thresholds, rolls the rollout back: every device of the group is
// assigned the group's previous package again. So does a member that keeps reporting but
// is still not serving the release stage_timeout_s after the stage started: a device may
// refuse a release without a failure state (an agent that crashed on it and restarted
// serves the old model and never asks for it again), and a rollout must not wait forever.
// Members that do not report at all only hold the stage (offline devices are not evidence
// against a release). An operator halt also rolls back.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/fleet_store.hpp"

namespace wisp::fleet {

struct RolloutRequest {
  std::string group, package_id;
  std::vector<int> stages{5, 25, 100};
  int64_t window_s = 60;
  int64_t min_devices_reporting = 1;
  double max_error_rate = 0.01;
  double min_shadow_agreement = 0.0;
  double max_latency_ratio = 1.5;
  int64_t stage_timeout_s = 900;  // 0 = wait forever
};

class RolloutEngine {
 public:
  explicit RolloutEngine(FleetStore& store) : store_(store) {}

  // Throws kInvalidArgument (unknown group/package, bad stages, a rollout already running).
  RolloutRecord create(const RolloutRequest& request, int64_t now);
  // Operator halt: assigns the previous package again. Returns false if not running.
  bool halt(const std::string& rollout_id, const std::string& reason, int64_t now);
  // Evaluates every running rollout once (advance / roll back).
  void tick(int64_t now);

  // The package a device should run now (nullopt: none).
  std::optional<PackageRecord> assignment(const DeviceRecord& device);
  // Device ids in the rollout's current stage, in rank order.
  std::vector<std::string> stage_members(const RolloutRecord& r);

 private:
  void evaluate(RolloutRecord r, int64_t now);
  void finish(RolloutRecord& r, const std::string& state, const std::string& reason, int64_t now);
  FleetStore& store_;
};

}  // namespace wisp::fleet
