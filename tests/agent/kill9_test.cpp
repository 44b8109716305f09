// kill -9 during an update, >= 200 times: the agent process (`wisp agent --once 1`, the real
// binary) is killed with SIGKILL at a named crash point (download at a random byte,
// download complete, verified, before/after the slot rename, trial/counter/pointer
// writes, health check, before/after the switch) or after a random delay. After each
// kill the state directory must recover to the old or the new model, verified from its
// bytes (never a mix, never none), and a restarted agent must finish: new model active, or
// old model active with the candidate rejected because the agent died during its trial.
// WISP_KILL9_ITERATIONS overrides the count (scripts/agent_soak.sh runs thousands).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "agent/slot_store.hpp"
#include "agent_test_util.hpp"

extern char** environ;

namespace wisp::agent {

using namespace testing;
namespace fs = std::filesystem;

// Runs `wisp agent --config CONFIG --once 1 [--crash-at POINT]`; kills it after `kill_after_ms`
// if >= 0. Returns the wait status. Bounded: killed after 20 s whatever happens.
std::string read_file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

int run_agent_process(const std::string& config, const std::string& crash_at, int kill_after_ms) {
  const std::string wisp = std::string(WISP_BINARY_DIR) + "/wisp";
  std::vector<std::string> args = {wisp, "agent", "--config", config, "--once", "1"};
  if (!crash_at.empty()) {
    args.push_back("--crash-at");
    args.push_back(crash_at);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, wisp.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if ((kill_after_ms >= 0 && ms >= kill_after_ms) || ms > 20000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

TEST(Kill9, UpdateSurvivesSigkillAtEveryPoint) {
  FakeFleet fleet;
  const std::string root = temp_dir("kill9");
  const std::string v1 = make_package({.version = "1.0.0", .counter = 1});
  const std::string v2 = make_package({.version = "2.0.0", .counter = 2, .model = ModelKind::kGoodV2});
  // Template: v1 installed and serving.
  const std::string tmpl = root + "/template";
  fs::create_directories(tmpl);
  AgentConfig base = make_config(tmpl, fleet.url());
  fleet.assign("p1", v1, "demo", "1.0.0", 1);
  ASSERT_EQ(WEXITSTATUS(run_agent_process(tmpl + "/config.json", "", -1)), 0) << "(config written below)";
  fleet.assign("p2", v2, "demo", "2.0.0", 2);

  const int iterations = std::getenv("WISP_KILL9_ITERATIONS") ? std::atoi(std::getenv("WISP_KILL9_ITERATIONS")) : 200;
  const std::vector<std::string> points = {"download",        "download-complete",  "verified",
                                           "commit-before-rename", "commit-after-rename", "atomic-write-before-rename",
                                           "health-begin",    "promote-before-switch", "switch-before",
                                           "switch-after",    "random-delay"};
  std::mt19937 rng(20261122);
  std::map<std::string, std::array<int, 2>> outcome;  // point(+window) -> {old, new} right after the kill
  int killed = 0, finished_new = 0, finished_old_rejected = 0;
  package::OpenOptions open;
  open.trusted = {publisher().public_key()};
  open.device_key = device_box();
  open.hardware = "testboard";
  for (int it = 0; it < iterations; ++it) {
    const std::string point = points[it % points.size()];
    const std::string dir = root + "/it";
    fs::remove_all(dir);
    fs::copy(tmpl, dir, fs::copy_options::recursive);
    AgentConfig c = base;
    // Same files, this iteration's directory.
    std::ifstream in(tmpl + "/config.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    for (size_t p; (p = text.find(tmpl)) != std::string::npos;) text.replace(p, tmpl.size(), dir);
    // Odd iterations without a health window: a kill right after the switch then keeps the
    // new model (with a window, dying inside it rolls back to the old one by design).
    if (it % 2) {
      const size_t w = text.find("\"window_s\": 30");
      ASSERT_NE(w, std::string::npos);
      text.replace(w, 15, "\"window_s\": 0");
    }
    std::ofstream(dir + "/config.json") << text;
    std::string crash_at = point;
    int delay = -1;
    if (point == "download") crash_at = str_cat("download:", std::uniform_int_distribution<int>(1, int(v2.size()) - 1)(rng));
    if (point == "random-delay") {
      crash_at.clear();
      delay = std::uniform_int_distribution<int>(0, 200)(rng);
    }
    const int st = run_agent_process(dir + "/config.json", crash_at, delay);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ++killed;
    // Right after the kill: old or new, verified from its bytes.
    {
      SlotStore store(dir + "/state");
      const Recovery r = recover(store, open, std::nullopt);
      ASSERT_TRUE(r.model) << "iteration " << it << " point " << crash_at << ": " << r.state << " " << r.reason;
      const std::string v = r.model->identity().version;
      ASSERT_TRUE(v == "1.0.0" || v == "2.0.0") << v;
      ++outcome[point + (it % 2 ? " (no window)" : "")][v == "2.0.0"];
    }
    // A restart completes the update (or refuses the candidate that was on trial).
    ASSERT_EQ(WEXITSTATUS(run_agent_process(dir + "/config.json", "", -1)), 0);
    SlotStore store(dir + "/state");
    const Recovery r = recover(store, open, std::nullopt);
    ASSERT_TRUE(r.model);
    if (r.model->identity().version == "2.0.0") {
      ++finished_new;
    } else {
      ASSERT_EQ(r.model->identity().version, "1.0.0");
      const auto rej = store.rejected();
      ASSERT_EQ(rej.count(deploy::sha256_hex(v2)), 1u) << "old model active but the candidate was not refused";
      EXPECT_NE(rej.at(deploy::sha256_hex(v2)).find("died"), std::string::npos);
      ++finished_old_rejected;
    }
  }
  std::string table;
  for (const auto& [p, c] : outcome) table += str_cat("  ", p, ": old ", c[0], ", new ", c[1], "\n");
  std::printf("kill -9: %d iterations, %d killed by SIGKILL; after the kill:\n%safter restart: new %d, old with the "
              "candidate refused %d\n",
              iterations, killed, table.c_str(), finished_new, finished_old_rejected);
  EXPECT_GE(killed, iterations * 8 / 10);  // most runs really were killed mid-update
}

}  // namespace wisp::agent

namespace wisp::agent {
namespace {

using namespace testing;

// A candidate whose kernel crashes the process (test hook: abort() when the model named
// "crasher" runs) kills the agent during its health check; the restarted agent finds the
// trial marker, refuses the candidate and keeps serving the old model without retrying.
TEST(CrashDetection, CandidateThatCrashesTheAgentIsRefusedAfterRestart) {
  FakeFleet fleet;
  const std::string dir = temp_dir("crash");
  make_config(dir, fleet.url());
  Json j = Json::parse(read_file_text(dir + "/config.json"));
  j["test_hooks"] = Json{{"abort_on_model", "crasher"}};
  std::ofstream(dir + "/config.json") << j.dump(2);
  fleet.assign("p1", make_package({.version = "1.0.0", .counter = 1}), "demo", "1.0.0", 1);
  ASSERT_EQ(WEXITSTATUS(run_agent_process(dir + "/config.json", "", -1)), 0);
  const std::string bad = make_package({.name = "crasher", .version = "2.0.0", .counter = 2});
  fleet.assign("p2", bad, "crasher", "2.0.0", 2);
  const int st = run_agent_process(dir + "/config.json", "", -1);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGABRT);
  ASSERT_EQ(WEXITSTATUS(run_agent_process(dir + "/config.json", "", -1)), 0);
  SlotStore store(dir + "/state");
  const auto rej = store.rejected();
  ASSERT_EQ(rej.count(deploy::sha256_hex(bad)), 1u);
  EXPECT_NE(rej.at(deploy::sha256_hex(bad)).find("died while this package was on trial (health)"), std::string::npos);
  package::OpenOptions open;
  open.trusted = {publisher().public_key()};
  open.device_key = device_box();
  open.hardware = "testboard";
  const Recovery r = recover(store, open, std::nullopt);
  ASSERT_TRUE(r.model);
  EXPECT_EQ(r.model->identity().version, "1.0.0");
  // The restarted agent reports the failure (old model serving, candidate refused).
  EXPECT_EQ(fleet.last_status()["state"], "health_failed");
  EXPECT_NE(fleet.last_status()["reason"].get<std::string>().find("died during its health"), std::string::npos);
  EXPECT_EQ(fleet.last_status()["active"]["version"], "1.0.0");
  const int downloads = fleet.downloads();
  ASSERT_EQ(WEXITSTATUS(run_agent_process(dir + "/config.json", "", -1)), 0);
  EXPECT_EQ(fleet.downloads(), downloads);  // not fetched again
}

}  // namespace
}  // namespace wisp::agent
