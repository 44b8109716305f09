// Drift (PSI) on known distributions, histogram bucketing, the telemetry store's quota
// eviction and ids, and config validation messages.
#include <gtest/gtest.h>

#include <cmath>

#include "agent/drift.hpp"
#include "agent/file_util.hpp"
#include "agent/service_monitor.hpp"
#include "agent/telemetry_store.hpp"
#include "agent_test_util.hpp"

namespace wisp::agent {
namespace {

using deploy::Json;

TEST(Drift, PsiOnKnownDistributions) {
  EXPECT_DOUBLE_EQ(population_stability_index({10, 20, 30, 40}, {1, 2, 3, 4}), 0.0);  // same proportions
  // Hand-computed: e = (.5, .5), a = (.9, .1): (.4)ln(1.8) + (-.4)ln(.2) = 0.2351 + 0.6438
  EXPECT_NEAR(population_stability_index({50, 50}, {90, 10}), 0.4 * std::log(1.8) - 0.4 * std::log(0.2), 1e-12);
  // An empty live bin is floored at 1e-4, not infinite.
  EXPECT_NEAR(population_stability_index({50, 50}, {100, 0}),
              (1 - 0.5) * std::log(1 / 0.5) + (1e-4 - 0.5) * std::log(1e-4 / 0.5), 1e-9);
}

TEST(Drift, HistogramBucketsClampToTheEdges) {
  std::vector<double> c(4, 0);
  const float v[] = {-5.0f, 0.0f, 0.24f, 0.25f, 0.5f, 0.99f, 1.0f, 7.0f, NAN};
  add_to_histogram(c, 0.0f, 1.0f, v, 9);
  EXPECT_EQ(c, (std::vector<double>{3, 1, 1, 3}));  // NaN skipped
}

TEST(Drift, ModelHistogramBaselineAndShiftedInputs) {
  // The test model stores a uniform histogram for x over [0, 1] (4 bins).
  const auto bytes = testing::make_wisp(testing::ModelKind::kGood);
  const std::string path = testing::temp_dir("drift") + "/m.wisp";
  testing::write_text(path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0644);
  const auto model = ServedModel::from_file(path);
  DriftMonitor d(*model);
  d.observe({{"x", {1, 4}, {0.1f, 0.3f, 0.6f, 0.9f}}});  // one value per bin: no drift
  auto r = d.report_and_reset();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].baseline, "model");
  EXPECT_EQ(r[0].samples, 4);
  EXPECT_NEAR(r[0].psi, 0.0, 1e-12);
  d.observe({{"x", {1, 4}, {0.9f, 0.95f, 2.0f, 0.8f}}});  // all in the top bin
  r = d.report_and_reset();
  const double want = 3 * (1e-4 - 0.25) * std::log(1e-4 / 0.25) + (1 - 0.25) * std::log(1 / 0.25);
  EXPECT_NEAR(r[0].psi, want, 1e-9);
  EXPECT_GT(r[0].psi, 0.25);
}

TEST(Drift, FirstInputsBaselineWhenTheModelHasNone) {
  wisp::test::ModelBuilder b;
  b.output(b.op("Relu", {b.input("x", Shape{1, 2})}));
  auto m = b.model();
  const auto bytes = format::serialize_wisp(*m, {}, nullptr);
  const std::string path = testing::temp_dir("drift2") + "/m.wisp";
  testing::write_text(path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0644);
  const auto model = ServedModel::from_file(path);
  DriftMonitor d(*model, /*warmup_requests=*/3, /*bins=*/2);
  for (int i = 0; i < 3; ++i) d.observe({{"x", {1, 2}, {0.0f, 1.0f}}});  // baseline: half low, half high
  EXPECT_TRUE(d.report_and_reset().empty());  // nothing live yet
  d.observe({{"x", {1, 2}, {0.0f, 1.0f}}});
  auto r = d.report_and_reset();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].baseline, "first_inputs");
  EXPECT_NEAR(r[0].psi, 0.0, 1e-12);
}

TEST(ServiceMonitor, PercentilesAndHistogramBuckets) {
  ServiceMonitor m;
  for (int i = 1; i <= 100; ++i) m.record(i * 0.1, true, false);  // 0.1 .. 10 ms
  m.record(0, false, false);
  m.record(3, true, true);
  const auto s = m.snapshot();
  EXPECT_EQ(s.requests, 102);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.non_finite, 1);
  EXPECT_NEAR(s.p50, 5.0, 0.11);
  const Json h = m.take_histogram("demo");
  EXPECT_EQ(h["count"], 101);
  // Buckets (upper bounds) 0.1, 0.25, 0.5, 1, 2.5, 5, 10, ...: 0.1 -> 1; 0.2 -> 1 ; 0.3..0.5 -> 3;
  // 0.6..1.0 -> 5; 1.1..2.5 -> 15; 2.6..5.0 (+3) -> 26; 5.1..10 -> 50.
  EXPECT_EQ(h["counts"], Json::array({1, 1, 3, 5, 15, 26, 50, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(m.take_histogram("demo")["count"], 0);  // cleared
}

TEST(TelemetryStore, QuotaDropsTheOldestAndIdsAreUnique) {
  const std::string dir = testing::temp_dir("telemetry");
  TelemetryStore t(dir + "/t.db", 0.25);  // 256 KiB
  const std::string pad(2000, 'x');
  std::set<std::string> ids;
  for (int i = 0; i < 400; ++i) ids.insert(t.add("error", Json{{"i", i}, {"pad", pad}}, 1000 + i));
  EXPECT_EQ(ids.size(), 400u);
  EXPECT_LE(t.used_bytes(), 256 * 1024);
  EXPECT_GT(t.evicted(), 0);
  const int64_t kept = t.count();
  EXPECT_EQ(kept + t.evicted(), 400);
  EXPECT_GT(kept, 50);  // the quota still holds a useful amount
  // The newest survived, the oldest went first.
  const auto oldest = t.oldest(1);
  ASSERT_EQ(oldest.size(), 1u);
  EXPECT_EQ(oldest[0].data["i"], 400 - kept);
  // Removal by acknowledged id only.
  const auto batch = t.oldest(10);
  t.remove({batch[0].id, batch[1].id, "unknown-id"});
  EXPECT_EQ(t.count(), kept - 2);
  EXPECT_EQ(TelemetryStore::new_id().size(), 32u);
}

TEST(TelemetryStore, SurvivesReopen) {
  const std::string dir = testing::temp_dir("telemetry2");
  {
    TelemetryStore t(dir + "/t.db", 1);
    t.add("version", Json{{"event", "start"}});
  }
  TelemetryStore t(dir + "/t.db", 1);
  ASSERT_EQ(t.count(), 1);
  EXPECT_EQ(t.oldest(5)[0].data["event"], "start");
}

TEST(AgentConfig, ErrorsNameTheField) {
  const std::string dir = testing::temp_dir("config");
  const AgentConfig ok = testing::make_config(dir, "http://127.0.0.1:1");
  EXPECT_EQ(ok.device_id, "dev-1");
  EXPECT_EQ(ok.telemetry.db, dir + "/telemetry.db");
  EXPECT_EQ(ok.download.stall_timeout_s, 1);
  auto expect_error = [&](Json j, const std::string& what) {
    try {
      parse_agent_config(j, "cfg.json");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  const Json base = Json::parse(agent::read_file(dir + "/config.json"));
  Json j = base;
  j.erase("server");
  expect_error(j, "cfg.json: 'server' is missing");
  j = base;
  j["device_id"] = "Bad_Id";
  expect_error(j, "'device_id' must match");
  j = base;
  j["health"]["max_latency_ratio"] = 0.5;
  expect_error(j, "cfg.json health: 'max_latency_ratio' must be >= 1");
  j = base;
  j["shadow"] = Json{{"enabled", true}, {"sampel_rate", 0.5}};
  expect_error(j, "unknown key 'sampel_rate'");
  j = base;
  j["api"] = Json{{"queue_depth", 0}};
  expect_error(j, "'queue_depth' must be in [1, 4096]");
  j = base;
  j["poll_interval_s"] = "often";
  expect_error(j, "'poll_interval_s' has the wrong type");
}

}  // namespace
}  // namespace wisp::agent
