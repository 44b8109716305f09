// The update path end to end in-process against the fake fleet: download, verify, health
// check, switch; attacks and bad models refused with the right reason, old model kept.
#include <gtest/gtest.h>

#include <chrono>

#include "agent/agent_core.hpp"
#include "agent/inference_service.hpp"
#include "agent/file_util.hpp"
#include "agent_test_util.hpp"

namespace wisp::agent {
namespace {

using namespace testing;

struct UpdateTest : ::testing::Test {
  FakeFleet fleet;
  std::string dir = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  AgentConfig config = make_config(dir, fleet.url());

  // Installs v1 (counter 1) and checks it serves.
  void install_v1(AgentCore& core) {
    fleet.assign("p1", make_package({.version = "1.0.0", .counter = 1}), "demo", "1.0.0", 1);
    core.start();
    core.cycle();
    ASSERT_EQ(core.state(), "serving") << core.status_json().dump();
    ASSERT_EQ(core.active_model()->identity().version, "1.0.0");
  }
};

TEST_F(UpdateTest, FirstInstallThenUpdateSwitchesSlots) {
  AgentCore core(config);
  core.start();
  EXPECT_EQ(core.state(), "no_model");
  install_v1(core);
  EXPECT_EQ(core.slots().active_slot(), "a");
  EXPECT_EQ(core.slots().min_counter(), 1u);
  fleet.assign("p2", make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kGoodV2}), "demo", "2.0.0", 2);
  core.cycle();
  EXPECT_EQ(core.state(), "serving") << core.status_json().dump();
  EXPECT_EQ(core.active_model()->identity().version, "2.0.0");
  EXPECT_EQ(core.slots().active_slot(), "b");
  EXPECT_EQ(core.slots().min_counter(), 2u);
  EXPECT_TRUE(core.slots().has_package("a"));  // the previous model stays for rollback
  // The status went to the fleet, signed; the reason names the health check.
  core.cycle();
  const Json st = fleet.last_status();
  EXPECT_EQ(st["active"]["version"], "2.0.0");
  EXPECT_EQ(st["state"], "serving");
  EXPECT_NE(st["reason"].get<std::string>().find("1 reference case(s) match"), std::string::npos);
  EXPECT_EQ(fleet.unauthorized(), 0);
  // A clean restart (even inside the health window) serves the same model from its
  // verified bytes and resumes the window.
  core.shutdown();
  AgentCore again(config);
  again.start();
  EXPECT_EQ(again.state(), "serving");
  EXPECT_EQ(again.active_model()->identity().version, "2.0.0");
}

TEST_F(UpdateTest, FleetReassigningThePreviousReleaseRollsBackAtOnceAndNewerOnesWaitForTheWindow) {
  AgentCore core(config);
  const std::string v1 = make_package({.version = "1.0.0", .counter = 1});
  fleet.assign("p1", v1, "demo", "1.0.0", 1);
  core.start();
  core.cycle();
  fleet.assign("p2", make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kGoodV2}), "demo", "2.0.0", 2);
  core.cycle();
  ASSERT_EQ(core.active_model()->identity().version, "2.0.0");
  // A newer release during the health window waits (the other slot is the rollback target).
  fleet.assign("p3", make_package({.version = "3.0.0", .counter = 3}), "demo", "3.0.0", 3);
  const int downloads = fleet.downloads();
  core.cycle();
  EXPECT_EQ(fleet.downloads(), downloads);
  EXPECT_EQ(core.active_model()->identity().version, "2.0.0");
  // The fleet halts the rollout and assigns 1.0.0 again: back to slot a, no download.
  fleet.assign("p1", v1, "demo", "1.0.0", 1);
  core.cycle();
  EXPECT_EQ(fleet.downloads(), downloads);
  const Json st = core.status_json();
  EXPECT_EQ(st["state"], "rolled_back");
  EXPECT_NE(st["reason"].get<std::string>().find("the fleet assigned the previous release demo 1.0.0 again"),
            std::string::npos) << st.dump();
  EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
  EXPECT_EQ(core.slots().active_slot(), "a");
}

struct Attack {
  const char* name;
  std::function<std::string()> package;
  uint64_t counter;
  const char* reason;
};

TEST_F(UpdateTest, AttacksAreRejectedWithTheirReasonAndTheOldModelKeepsServing) {
  AgentCore core(config);
  install_v1(core);
  const auto other = other_publisher();
  const std::vector<Attack> attacks = {
      {"tampered ciphertext",
       [] {
         std::string p = make_package({.version = "2.0.0", .counter = 2});
         p[p.size() - 40] ^= 0x20;
         return p;
       },
       2, "payload-tampered"},
      {"wrong signing key", [&] { return make_package({.version = "2.0.0", .counter = 2, .signer = &other}); }, 2,
       "untrusted-signer"},
      {"expired", [] { return make_package({.version = "2.0.0", .counter = 2, .expires_unix = 1000}); }, 2, "expired"},
      {"wrong hardware", [] { return make_package({.version = "2.0.0", .counter = 2, .hardware = "otherboard"}); }, 2,
       "wrong-hardware"},
      // The assignment claims counter 5 but the signed manifest says 1: caught after download.
      {"older counter in the signed manifest", [] { return make_package({.version = "0.9.0", .counter = 1}); }, 5,
       "rollback"},
      {"older counter in the assignment", [] { return make_package({.version = "0.9.0", .counter = 1}); }, 1,
       "not above the installed counter"},
  };
  int i = 0;
  for (const Attack& a : attacks) {
    SCOPED_TRACE(a.name);
    fleet.assign(str_cat("bad", i++), a.package(), "demo", "2.0.0", a.counter);
    core.cycle();
    const Json st = core.status_json();
    EXPECT_EQ(st["state"], "health_failed") << st.dump();
    EXPECT_NE(st["reason"].get<std::string>().find(a.reason), std::string::npos) << st.dump();
    EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
    EXPECT_EQ(core.slots().active_slot(), "a");
    EXPECT_FALSE(core.slots().has_package("b"));  // nothing unverified is kept in a slot
  }
  // A refused package is not downloaded again on the next poll.
  const int downloads = fleet.downloads();
  core.cycle();
  EXPECT_EQ(fleet.downloads(), downloads);
}

TEST_F(UpdateTest, HealthCheckFailureKeepsTheOldModel) {
  AgentCore core(config);
  install_v1(core);
  fleet.assign("wrong", make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kWrong}), "demo", "2.0.0", 2);
  core.cycle();
  Json st = core.status_json();
  EXPECT_EQ(st["state"], "health_failed");
  EXPECT_NE(st["reason"].get<std::string>().find("differ from the expected outputs"), std::string::npos) << st.dump();
  EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
  EXPECT_EQ(core.slots().min_counter(), 1u);  // a refused candidate does not raise the counter

  fleet.assign("slow", make_package({.version = "3.0.0", .counter = 3, .model = ModelKind::kSlow}), "demo", "3.0.0", 3);
  core.cycle();
  st = core.status_json();
  EXPECT_EQ(st["state"], "health_failed");
  EXPECT_NE(st["reason"].get<std::string>().find("latency regression"), std::string::npos) << st.dump();
  EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
}

TEST_F(UpdateTest, NanOutputsInServiceRollBackWithinTheWindow) {
  AgentCore core(config);
  install_v1(core);
  fleet.assign("nan", make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kNanOnNeg}), "demo", "2.0.0", 2);
  core.cycle();
  ASSERT_EQ(core.active_model()->identity().version, "2.0.0");  // passes: the reference input is benign
  ASSERT_TRUE(core.slots().trial().has_value());
  std::string label;
  EXPECT_THROW(core.serve({{"x", {1, 4}, {-50, -50, -50, -50}}}, label), Error);
  core.tick();
  const Json st = core.status_json();
  EXPECT_EQ(st["state"], "rolled_back");
  EXPECT_NE(st["reason"].get<std::string>().find("NaN/Inf outputs in service"), std::string::npos) << st.dump();
  EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
  EXPECT_EQ(core.slots().active_slot(), "a");
  EXPECT_FALSE(core.slots().trial().has_value());
  // Serving works again with the old model, and the bad package is not retried.
  EXPECT_EQ(core.serve({{"x", {1, 4}, {-50, -50, -50, -50}}}, label).size(), 1u);
  const int downloads = fleet.downloads();
  core.cycle();
  EXPECT_EQ(fleet.downloads(), downloads);
  EXPECT_EQ(core.active_model()->identity().version, "1.0.0");
}

TEST_F(UpdateTest, FallbackModelWhenNothingVerifies) {
  const std::vector<std::byte> fb = make_wisp(ModelKind::kGood);
  write_text(dir + "/fallback.wisp", std::string(reinterpret_cast<const char*>(fb.data()), fb.size()), 0644);
  config.fallback_model = dir + "/fallback.wisp";
  {
    AgentCore core(config);
    install_v1(core);
  }
  // Corrupt the only installed package: the agent must not serve it, and says why.
  std::string bytes = read_file(dir + "/state/slots/a/package.wpkg");
  bytes[bytes.size() / 2] ^= 1;
  write_text(dir + "/state/slots/a/package.wpkg", bytes, 0644);
  AgentCore core(config);
  core.start();
  const Json st = core.status_json();
  EXPECT_EQ(st["state"], "fallback");
  EXPECT_NE(st["reason"].get<std::string>().find("slot a"), std::string::npos) << st.dump();
  EXPECT_EQ(core.active_model()->identity().source, "fallback");
  // Without a fallback: no model, and inference answers with the reason instead of hanging.
  config.fallback_model.reset();
  AgentCore none(config);
  none.start();
  EXPECT_EQ(none.state(), "no_model");
  std::string label;
  EXPECT_THROW(none.serve({{"x", {1, 4}, {0, 0, 0, 0}}}, label), NoModelError);
}

TEST_F(UpdateTest, ShadowPromotesOnAgreementAndRejectsOnDisagreement) {
  config.shadow = {.enabled = true, .sample_rate = 1.0, .min_samples = 6, .min_agreement = 0.9};
  config.health.window_s = 0;  // no health window: the second assignment is not deferred
  AgentCore core(config);
  install_v1(core);
  // Identical weights: agreement 1.0, promoted.
  fleet.assign("same", make_package({.version = "1.1.0", .counter = 2}), "demo", "1.1.0", 2);
  core.cycle();
  ASSERT_EQ(core.state(), "shadow") << core.status_json().dump();
  std::string label;
  for (int i = 0; i < 6; ++i) {
    const auto out = core.serve({{"x", {1, 4}, {float(i), 1, -float(i), 0.5f}}}, label);
    EXPECT_NE(label.find("1.0.0"), std::string::npos);  // callers only ever get the active model
  }
  for (int i = 0; i < 100 && core.status_json()["shadow"]["samples"].get<int64_t>() < 6; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(core.status_json()["shadow"]["top1_agreement"], 1.0);
  EXPECT_EQ(core.status_json()["shadow"]["mean_abs_diff"], 0.0);
  core.tick();
  EXPECT_EQ(core.active_model()->identity().version, "1.1.0");
  EXPECT_NE(core.status_json()["reason"].get<std::string>().find("shadow top-1 agreement 1 over 6"), std::string::npos);
  // Other weights: top-1 disagrees on some inputs -> rejected, the active model stays.
  fleet.assign("other", make_package({.version = "2.0.0", .counter = 3, .model = ModelKind::kGoodV2}), "demo", "2.0.0", 3);
  core.cycle();
  ASSERT_EQ(core.state(), "shadow");
  for (int i = 0; i < 6; ++i) core.serve({{"x", {1, 4}, {float(i) - 3, float(i % 2), 2 - float(i), -1}}}, label);
  for (int i = 0; i < 100 && core.status_json()["shadow"]["samples"].get<int64_t>() < 6; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const double agreement = core.status_json()["shadow"]["top1_agreement"];
  core.tick();
  if (agreement < 0.9) {
    EXPECT_EQ(core.state(), "health_failed");
    EXPECT_NE(core.status_json()["reason"].get<std::string>().find("below shadow.min_agreement"), std::string::npos);
    EXPECT_EQ(core.active_model()->identity().version, "1.1.0");
  } else {
    ADD_FAILURE() << "the V2 weights agreed on every probe input; pick inputs where they differ";
  }
}

TEST_F(UpdateTest, TelemetryIsUploadedWithDedupIdsAndDeletedOnlyWhenAcknowledged) {
  AgentCore core(config);
  install_v1(core);
  std::string label;
  for (int i = 0; i < 5; ++i) core.serve({{"x", {1, 4}, {0.1f, 0.2f, 0.3f, 0.4f}}}, label);
  core.flush_telemetry(true);
  EXPECT_EQ(core.telemetry().count(), 0);
  std::set<std::string> kinds;
  for (const auto& r : fleet.telemetry()) kinds.insert(r["kind"]);
  EXPECT_TRUE(kinds.count("latency_hist") && kinds.count("memory") && kinds.count("version") && kinds.count("drift"));
  for (const auto& r : fleet.telemetry()) {
    if (r["kind"] == "latency_hist") {
      EXPECT_EQ(r["data"]["count"], 5);
    }
  }
}

}  // namespace
}  // namespace wisp::agent
