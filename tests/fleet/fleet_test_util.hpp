// Shared fixtures for the fleet tests: a temp folder, a fake clock, keys and packages,
// and the storage backends to run on (SQLite always; PostgreSQL when the ctest fixture
// started one and exported WISP_TEST_PG_CONNINFO, see scripts/start_test_postgres.sh).
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fleet/database.hpp"
#include "fleet/fleet_store.hpp"
#include "package/package.hpp"
#include "package/package_test_util.hpp"

namespace wisp::fleet::testing {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name)
      if (c == '/') c = '_';
    path = fs::temp_directory_path() / ("wisp_fleet_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1'800'000'000);
  int64_t operator()() const { return now->load(); }
  void advance(int64_t s) { *now += s; }
};

inline const char* postgres_conninfo() { return std::getenv("WISP_TEST_PG_CONNINFO"); }

// A fresh, empty database of the given backend ("sqlite" or "postgres").
inline std::unique_ptr<Database> fresh_database(const std::string& backend, const TempDir& dir) {
  if (backend == "sqlite") return open_sqlite_database((dir.path / "fleet.db").string());
  auto db = open_postgres_database(postgres_conninfo());
  db->exec("DROP SCHEMA IF EXISTS public CASCADE");
  db->exec("CREATE SCHEMA public");
  return db;
}

inline std::vector<std::string> storage_backends() {
  std::vector<std::string> b = {"sqlite"};
  if (postgres_conninfo()) b.push_back("postgres");
  return b;
}

inline package::SigningSecretKey publisher() { return package::testing::publisher(); }
inline package::SigningSecretKey device_identity(uint8_t i) {
  return package::signing_key_from_seed(package::testing::seed(static_cast<uint8_t>(100 + i)));
}

inline std::string make_package(const std::string& version, uint64_t counter, const std::string& hardware = "",
                                int64_t expires = 0, const package::SigningSecretKey& signer = publisher(),
                                size_t payload = 3000) {
  package::PackOptions o;
  o.name = "demo";
  o.version = version;
  o.counter = counter;
  o.hardware = hardware;
  o.expires_unix = expires;
  o.chunk_bytes = 1024;
  o.recipients = {package::testing::device().public_key()};
  std::vector<uint8_t> p = package::testing::payload_bytes(payload + counter);
  const auto bytes = package::create_package(p.data(), p.size(), o, signer);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace wisp::fleet::testing
