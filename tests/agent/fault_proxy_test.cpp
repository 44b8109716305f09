// Network faults between the agent and the fleet (fault_proxy.hpp): a download that is
// dropped, truncated or corrupted once is resumed (Range) or retried and then activated;
// one that keeps failing (drop, corruption, stall, trickle, endless body) is never
// activated, stops within the configured bounds, and the status says why.
#include <gtest/gtest.h>

#include <chrono>

#include "agent/agent_core.hpp"
#include "agent_test_util.hpp"
#include "fault_proxy.hpp"

namespace wisp::agent {
namespace {

using namespace testing;

struct FaultCase {
  Fault fault;
  int count;           // faulted responses (then pass-through)
  bool activated;      // v2 ends up serving
  const char* reason;  // in the status reason when not activated
};

class FaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultTest, DownloadThroughTheFaultProxy) {
  const FaultCase fc = GetParam();
  FakeFleet fleet;
  const std::string dir = temp_dir(str_cat("fault", static_cast<int>(fc.fault), "_", fc.count));
  // v1 installed directly, then all traffic goes through the proxy.
  AgentConfig direct = make_config(dir, fleet.url());
  fleet.assign("p1", make_package({.version = "1.0.0", .counter = 1}), "demo", "1.0.0", 1);
  {
    AgentCore core(direct);
    core.start();
    core.cycle();
    ASSERT_EQ(core.state(), "serving");
  }
  FaultProxy proxy(fleet.port(), fc.fault, fc.count, 7 + static_cast<uint32_t>(fc.fault));
  AgentConfig config = direct;
  config.server = proxy.url();
  config.download = {.max_bytes = 8 << 20, .timeout_s = 3, .max_retries = 3, .stall_timeout_s = 1};
  fleet.assign("p2", make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kGoodV2}), "demo", "2.0.0", 2);
  AgentCore core(config);
  core.start();
  const auto t0 = std::chrono::steady_clock::now();
  core.cycle();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Json st = core.status_json();
  EXPECT_GE(proxy.faults_injected(), 1);
  // Bounded: timeout_s (3 s) + one backoff + the stall timeout, with room for a loaded machine.
  EXPECT_LT(s, 8.0) << st.dump();
  if (fc.activated) {
    EXPECT_EQ(core.active_model()->identity().version, "2.0.0") << st.dump();
    EXPECT_NE(st["download"].get<std::string>().find("ok, 2 attempt(s)"), std::string::npos) << st.dump();
    // A cut connection resumes where it stopped; a corrupted file starts over.
    const bool cut = fc.fault == Fault::kDrop || fc.fault == Fault::kTruncate || fc.fault == Fault::kStall;
    EXPECT_EQ(fleet.ranged(), cut ? 1 : 0);
  } else {
    EXPECT_EQ(core.active_model()->identity().version, "1.0.0") << st.dump();
    EXPECT_EQ(core.slots().active_slot(), "a");
    EXPECT_FALSE(core.slots().has_package("b"));
    EXPECT_NE(st["reason"].get<std::string>().find(fc.reason), std::string::npos) << st.dump();
  }
  std::printf("fault %d x%d: %s in %.2f s, proxy injected %d; %s\n", static_cast<int>(fc.fault), fc.count,
              core.active_model()->identity().version == "2.0.0" ? "activated" : "not activated", s,
              proxy.faults_injected(), st["download"].get<std::string>().c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultTest,
    ::testing::Values(FaultCase{Fault::kDrop, 1, true, ""}, FaultCase{Fault::kTruncate, 1, true, ""},
                      FaultCase{Fault::kCorrupt, 1, true, ""}, FaultCase{Fault::kStall, 1, true, ""},
                      FaultCase{Fault::kDrop, 100, false, "download of demo 2.0.0 failed"},
                      FaultCase{Fault::kTruncate, 100, false, "download of demo 2.0.0 failed"},
                      FaultCase{Fault::kCorrupt, 100, false, "(corrupted)"},
                      FaultCase{Fault::kStall, 100, false, "download of demo 2.0.0 failed"},
                      FaultCase{Fault::kTrickle, 100, false, "download.timeout_s"},
                      FaultCase{Fault::kEndless, 100, false, "download of demo 2.0.0 failed"}));

}  // namespace
}  // namespace wisp::agent
