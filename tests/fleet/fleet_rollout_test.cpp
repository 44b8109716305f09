// The rollout state machine with a fake clock: staged membership, advancing only after a
// healthy window, rolling back on failure reports and metric regressions, operator halt.
#include <algorithm>

#include "fleet/rollout_engine.hpp"
#include "fleet_test_util.hpp"

namespace wisp::fleet {
namespace {

using namespace testing;

class FleetRollout : public ::testing::Test {
 protected:
  TempDir dir;
  FleetStore store{open_sqlite_database((dir.path / "f.db").string())};
  RolloutEngine engine{store};
  int64_t now = 1000;
  std::vector<std::string> ids = {"dev-a", "dev-b", "dev-c"};

  void SetUp() override {
    store.add_group("g", 0);
    for (const auto& id : ids) store.enroll_device({id, "k", "b", "hw", "g", 0});
    store.add_package({"pkg-old", "demo", "1.0", 1, "", 10, "s1", "k", 0});
    store.add_package({"pkg-new", "demo", "2.0", 2, "", 10, "s2", "k", 0});
    store.set_group_package("g", std::string("pkg-old"));
    // Each device served 1.0 at 2 ms: the latency baseline for the ratio check.
    for (const auto& id : ids) report(id, "serving", 1, 2.0);
  }
  void report(const std::string& id, const std::string& state, int64_t counter, double p50, double err = 0,
              std::optional<double> agreement = std::nullopt, std::optional<int64_t> candidate = std::nullopt) {
    DeviceStatus s;
    s.state = state;
    s.active_counter = counter;
    s.active_version = counter == 2 ? "2.0" : "1.0";
    s.candidate_counter = candidate;
    s.latency_p50 = p50;
    s.error_rate = err;
    if (agreement) {
      s.shadow_agreement = agreement;
      s.shadow_samples = 50;
    }
    s.json = "{}";
    store.record_status(id, s, now);
  }
  std::string assigned(const std::string& id) {
    const auto p = engine.assignment(*store.device(id));
    return p ? p->version : "none";
  }
  RolloutRecord start(std::vector<int> stages = {34, 67, 100}) {
    RolloutRequest q;
    q.group = "g";
    q.package_id = "pkg-new";
    q.stages = stages;
    q.window_s = 60;
    q.min_devices_reporting = 1;
    q.max_error_rate = 0.05;
    q.min_shadow_agreement = 0.9;
    q.max_latency_ratio = 1.5;
    return engine.create(q, now);
  }
  // Every device assigned 2.0 reports serving it (healthy).
  void members_serve_new(double p50 = 2.2) {
    for (const auto& id : ids)
      if (assigned(id) == "2.0") report(id, "serving", 2, p50);
  }
  int count_assigned_new() {
    return static_cast<int>(std::count_if(ids.begin(), ids.end(), [&](auto& id) { return assigned(id) == "2.0"; }));
  }
};

TEST_F(FleetRollout, StagesExposeOneThenTwoThenAllDevicesAfterHealthyWindows) {
  const RolloutRecord r = start();
  EXPECT_EQ(r.rollout_id, "r1");
  EXPECT_EQ(r.previous_package_id.value_or(""), "pkg-old");
  EXPECT_EQ(count_assigned_new(), 1);
  engine.tick(++now);  // member has not reported the new version yet
  EXPECT_EQ(store.rollout("r1")->stage_index, 0);
  members_serve_new();
  engine.tick(++now);  // healthy from now on: the window starts
  EXPECT_EQ(store.rollout("r1")->stage_ok_since.value_or(0), now);
  now += 59;
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->stage_index, 0) << "advanced before window_s";
  now += 1;
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->stage_index, 1);
  EXPECT_EQ(count_assigned_new(), 2);
  // The new member reports, the window passes, the last stage takes everyone.
  ++now;
  members_serve_new();
  engine.tick(now);
  now += 60;
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->stage_index, 2);
  EXPECT_EQ(count_assigned_new(), 3);
  ++now;
  members_serve_new();
  engine.tick(now);
  now += 60;
  engine.tick(now);
  const auto done = store.rollout("r1");
  EXPECT_EQ(done->state, "completed");
  EXPECT_EQ(store.group_package("g").value_or(""), "pkg-new");
  EXPECT_EQ(count_assigned_new(), 3);
  EXPECT_GE(store.rollout_events("r1").size(), 4u);
}

TEST_F(FleetRollout, AnUnhealthyTickRestartsTheWindow) {
  start();
  members_serve_new();
  engine.tick(++now);
  now += 30;
  for (const auto& id : ids)
    if (assigned(id) == "2.0") report(id, "verifying", 1, 2.0);  // e.g. restarted, not serving yet
  engine.tick(now);
  EXPECT_FALSE(store.rollout("r1")->stage_ok_since.has_value());
  members_serve_new();
  engine.tick(++now);
  now += 59;
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->stage_index, 0);
  engine.tick(++now);
  EXPECT_EQ(store.rollout("r1")->stage_index, 1);
}

TEST_F(FleetRollout, HealthCheckFailureRollsBackToThePreviousPackage) {
  start();
  std::string member;
  for (const auto& id : ids)
    if (assigned(id) == "2.0") member = id;
  ++now;
  report(member, "health_failed", 1, 2.0, 0, std::nullopt, 2);  // candidate 2 failed its checks
  engine.tick(now);
  const auto r = store.rollout("r1");
  EXPECT_EQ(r->state, "rolled_back");
  EXPECT_NE(r->reason.find(member), std::string::npos);
  EXPECT_EQ(count_assigned_new(), 0);
  for (const auto& id : ids) EXPECT_EQ(assigned(id), "1.0");
  EXPECT_EQ(store.group_package("g").value_or(""), "pkg-old");
}

TEST_F(FleetRollout, LatencyRegressionRollsBack) {
  start();
  ++now;
  members_serve_new(/*p50=*/6.0);  // 3x the 2 ms it had on 1.0
  engine.tick(now);
  const auto r = store.rollout("r1");
  EXPECT_EQ(r->state, "rolled_back");
  EXPECT_NE(r->reason.find("latency"), std::string::npos) << r->reason;
}

TEST_F(FleetRollout, ErrorRateAndShadowDisagreementRollBack) {
  start();
  std::string member;
  for (const auto& id : ids)
    if (assigned(id) == "2.0") member = id;
  ++now;
  report(member, "serving", 2, 2.0, /*err=*/0.2);
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->state, "rolled_back");

  // A second rollout (allowed now that the first is over): shadow agreement too low.
  store.add_package({"pkg-new2", "demo", "2.1", 3, "", 10, "s3", "k", 0});
  RolloutRequest q;
  q.group = "g";
  q.package_id = "pkg-new2";
  q.stages = {34, 100};
  q.min_shadow_agreement = 0.9;
  const RolloutRecord r2 = engine.create(q, ++now);
  std::string m2 = engine.stage_members(r2).at(0);
  ++now;
  report(m2, "shadow", 1, 2.0, 0, /*agreement=*/0.5, /*candidate=*/3);
  engine.tick(now);
  EXPECT_EQ(store.rollout(r2.rollout_id)->state, "rolled_back");
  EXPECT_NE(store.rollout(r2.rollout_id)->reason.find("shadow"), std::string::npos);
}

TEST_F(FleetRollout, AMemberThatKeepsReportingTheOldReleasePastTheStageTimeoutRollsBack) {
  RolloutRequest q;
  q.group = "g";
  q.package_id = "pkg-new";
  q.stages = {34, 100};
  q.stage_timeout_s = 30;
  engine.create(q, now);
  std::string member;
  for (const auto& id : ids)
    if (assigned(id) == "2.0") member = id;
  now += 29;
  report(member, "serving", 1, 2.0);  // e.g. refused it after a crash, serves 1.0
  engine.tick(now);
  EXPECT_EQ(store.rollout("r1")->state, "running");
  now += 1;
  report(member, "serving", 1, 2.0);
  // A silent (offline) non-reporting member would only hold the stage; this one reports.
  engine.tick(now);
  const auto r = store.rollout("r1");
  EXPECT_EQ(r->state, "rolled_back");
  EXPECT_NE(r->reason.find("30 s after the stage started"), std::string::npos) << r->reason;
}

TEST_F(FleetRollout, OldFailureReportsDoNotStopANewRollout) {
  for (const auto& id : ids) report(id, "rolled_back", 1, 2.0, 0, std::nullopt, 9);  // from an older release
  start();
  engine.tick(++now);
  EXPECT_EQ(store.rollout("r1")->state, "running");
}

TEST_F(FleetRollout, OperatorHaltAssignsThePreviousPackageAndOnlyOneRolloutRunsPerGroup) {
  start();
  EXPECT_THROW(start(), Error);
  EXPECT_TRUE(engine.halt("r1", "", ++now));
  EXPECT_FALSE(engine.halt("r1", "", ++now));
  EXPECT_EQ(store.rollout("r1")->state, "halted");
  for (const auto& id : ids) EXPECT_EQ(assigned(id), "1.0");
  EXPECT_NO_THROW(start());  // a new one may start after the halt
}

TEST_F(FleetRollout, RejectsBadRequests) {
  RolloutRequest q;
  q.group = "g";
  q.package_id = "pkg-new";
  q.stages = {50, 40, 100};
  EXPECT_THROW(engine.create(q, now), Error);
  q.stages = {50};
  EXPECT_THROW(engine.create(q, now), Error);
  q.stages = {100};
  q.group = "nope";
  EXPECT_THROW(engine.create(q, now), Error);
  q.group = "g";
  q.package_id = "pkg-missing";
  EXPECT_THROW(engine.create(q, now), Error);
}

TEST_F(FleetRollout, MembershipIsNestedAndHardwareFiltered) {
  store.enroll_device({"dev-d", "k", "b", "other-hw", "g", 0});
  store.add_package({"pkg-hw", "demo", "3.0", 4, "hw", 10, "s4", "k", 0});
  RolloutRequest q;
  q.group = "g";
  q.package_id = "pkg-hw";
  q.stages = {34, 67, 100};
  RolloutRecord r = engine.create(q, now);
  const auto s1 = engine.stage_members(r);
  r.stage_index = 1;
  const auto s2 = engine.stage_members(r);
  r.stage_index = 2;
  const auto s3 = engine.stage_members(r);
  EXPECT_EQ(s1.size(), 1u);
  EXPECT_EQ(s2.size(), 2u);
  EXPECT_EQ(s3.size(), 3u);  // dev-d has other hardware: never a member
  EXPECT_EQ(std::find(s3.begin(), s3.end(), "dev-d"), s3.end());
  EXPECT_TRUE(std::equal(s1.begin(), s1.end(), s2.begin()));
  EXPECT_TRUE(std::equal(s2.begin(), s2.end(), s3.begin()));
}

}  // namespace
}  // namespace wisp::fleet
