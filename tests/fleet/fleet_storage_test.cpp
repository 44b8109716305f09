// FleetStore on every storage backend (SQLite always; PostgreSQL when the ctest fixture
// runs one): migrations, records round-trip, nonce and telemetry dedup, transactions.
#include "fleet/schema.hpp"
#include "fleet_test_util.hpp"

namespace wisp::fleet {
namespace {

using namespace testing;

class FleetStorage : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::unique_ptr<FleetStore> store() { return std::make_unique<FleetStore>(fresh_database(GetParam(), dir)); }
};

TEST_P(FleetStorage, MigrationsApplyOnceAndRecordTheVersion) {
  auto s = store();
  migrate(s->db());  // a second time is a no-op
  const SqlResult r = s->db().exec("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  EXPECT_EQ(r.rows.at(0).integer(0), schema_version());
  EXPECT_EQ(r.rows.at(0).integer(1), schema_version());
  EXPECT_EQ(s->db().backend_name(), GetParam());
}

TEST_P(FleetStorage, RefusesADatabaseFromANewerFleet) {
  auto s = store();
  s->db().exec("INSERT INTO schema_migrations (version, applied) VALUES (?, 0)", {sql_int(schema_version() + 1)});
  EXPECT_THROW(migrate(s->db()), Error);
}

TEST_P(FleetStorage, DevicesGroupsPackagesRoundTrip) {
  auto s = store();
  EXPECT_TRUE(s->add_group("cams", 10));
  EXPECT_FALSE(s->add_group("cams", 11));
  DeviceRecord d{"cam-1", "idkey", "boxkey", "rpi4", "cams", 12};
  s->enroll_device(d);
  EXPECT_THROW(s->enroll_device(d), Error);  // same id twice
  const auto got = s->device("cam-1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->hardware, "rpi4");
  EXPECT_EQ(got->group, "cams");
  EXPECT_FALSE(got->status.has_value());
  EXPECT_FALSE(s->device("nope").has_value());

  PackageRecord p{"pkg-1", "demo", "1.0", 3, "rpi4", 1234, "abcd", "signer", 20};
  EXPECT_EQ(s->add_package(p).package_id, "pkg-1");
  PackageRecord same = p;
  same.package_id = "pkg-other";
  EXPECT_EQ(s->add_package(same).package_id, "pkg-1");  // same bytes (sha256): the stored record
  ASSERT_EQ(s->packages().size(), 1u);
  EXPECT_EQ(s->package("pkg-1")->counter, 3);

  s->set_group_package("cams", std::string("pkg-1"));
  EXPECT_EQ(s->group_package("cams").value_or(""), "pkg-1");
}

TEST_P(FleetStorage, StatusKeepsTheLatencyBaselineOfThePreviousRelease) {
  auto s = store();
  s->add_group("g", 0);
  s->enroll_device({"d1", "k", "b", "hw", "g", 0});
  DeviceStatus st;
  st.state = "serving";
  st.active_version = "1.0";
  st.active_counter = 1;
  st.latency_p50 = 2.0;
  st.shadow_agreement = 0.75;
  st.json = "{}";
  s->record_status("d1", st, 100);
  st.active_version = "2.0";
  st.active_counter = 2;
  st.latency_p50 = 6.5;
  s->record_status("d1", st, 200);
  const auto d = s->device("d1");
  ASSERT_TRUE(d && d->status);
  EXPECT_EQ(d->status->active_counter.value_or(-1), 2);
  EXPECT_DOUBLE_EQ(d->status->latency_p50, 6.5);
  EXPECT_DOUBLE_EQ(d->status->shadow_agreement.value_or(-1), 0.75);
  EXPECT_EQ(d->baseline_counter.value_or(-1), 1);
  EXPECT_DOUBLE_EQ(d->baseline_p50.value_or(-1), 2.0);
  EXPECT_EQ(d->status_time.value_or(0), 200);
}

TEST_P(FleetStorage, NoncesAreSingleUseWithinTheWindow) {
  auto s = store();
  EXPECT_TRUE(s->remember_nonce("d1", "n1", 1000, 400));
  EXPECT_FALSE(s->remember_nonce("d1", "n1", 1001, 401));
  EXPECT_TRUE(s->remember_nonce("d2", "n1", 1001, 401));  // per device
  // Once the window has passed the old nonce is forgotten (the clock check rejects it anyway).
  EXPECT_TRUE(s->remember_nonce("d1", "n1", 2000, 1500));
}

TEST_P(FleetStorage, TelemetryDedupByDeviceAndId) {
  auto s = store();
  std::vector<TelemetryRecord> batch = {{"d1", "a", "latency_hist", "{\"p50\":1}", 10, 11},
                                        {"d1", "b", "drift", "{\"psi\":0.2}", 12, 13}};
  EXPECT_EQ(s->add_telemetry(batch), (std::vector<std::string>{"a", "b"}));
  batch[1].data = "{\"psi\":9}";
  EXPECT_EQ(s->add_telemetry(batch), (std::vector<std::string>{"a", "b"}));  // resent: still accepted
  s->add_telemetry({{"d2", "a", "drift", "{\"psi\":0.5}", 14, 15}});           // other device, same id
  const auto all = s->telemetry("", "", 0, 100);
  ASSERT_EQ(all.size(), 3u);
  const auto drift = s->telemetry("d1", "drift", 0, 100);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].data, "{\"psi\":0.2}");  // first copy kept
  EXPECT_EQ(s->telemetry("", "drift", 13, 100).size(), 1u);
}

TEST_P(FleetStorage, TransactionRollsBackWhenTheBodyThrows) {
  auto s = store();
  EXPECT_THROW(s->db().transaction([&] {
    s->add_group("x", 1);
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_FALSE(s->group_exists("x"));
  s->db().transaction([&] { s->add_group("y", 1); });
  EXPECT_TRUE(s->group_exists("y"));
}

TEST_P(FleetStorage, RolloutRecordsRoundTrip) {
  auto s = store();
  RolloutRecord r;
  r.rollout_id = "r1";
  r.seq = s->next_rollout_seq();
  r.group = "g";
  r.package_id = "pkg-2";
  r.previous_package_id = "pkg-1";
  r.stages = {34, 67, 100};
  r.state = "running";
  r.window_s = 30;
  r.max_error_rate = 0.05;
  r.max_latency_ratio = 1.5;
  r.created = r.stage_started = r.updated = 50;
  r.stage_timeout_s = 77;
  s->add_rollout(r);
  EXPECT_EQ(s->next_rollout_seq(), 2);
  r.stage_index = 1;
  r.stage_ok_since = 70;
  s->update_rollout(r);
  const auto got = s->rollout("r1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->stages, (std::vector<int>{34, 67, 100}));
  EXPECT_EQ(got->stage_index, 1);
  EXPECT_EQ(got->stage_ok_since.value_or(0), 70);
  EXPECT_EQ(got->previous_package_id.value_or(""), "pkg-1");
  EXPECT_DOUBLE_EQ(got->max_error_rate, 0.05);
  EXPECT_EQ(got->stage_timeout_s, 77);
}

INSTANTIATE_TEST_SUITE_P(Backends, FleetStorage, ::testing::ValuesIn(storage_backends()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace wisp::fleet
