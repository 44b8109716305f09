// Telemetry kept on the device in SQLite until the fleet server has acknowledged it.
//
// One table of records {id (random 128-bit hex, the dedup id), time, kind, data (JSON)}.
// Records are uploaded oldest first in batches and deleted only after the server lists
// their ids as accepted, so a lost response just means a resend (the server ignores ids
// it already has). Quota: after each insert, when the pages in use exceed quota_mb the
// oldest records are deleted first (and the freed pages returned with an incremental
// vacuum), so days offline cost at most the quota and keep the most recent data.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "deploy/json.hpp"
#include "deploy/sqlite_db.hpp"

namespace wisp::agent {

struct TelemetryRecord {
  std::string id;
  int64_t time = 0;
  std::string kind;  // latency_hist | error | memory | version | shadow | drift
  deploy::Json data;
};

class TelemetryStore {
 public:
  TelemetryStore(const std::string& path, double quota_mb);
  // Stores a record and enforces the quota; returns its id.
  std::string add(const std::string& kind, const deploy::Json& data, int64_t time = -1);
  std::vector<TelemetryRecord> oldest(int64_t limit);
  void remove(const std::vector<std::string>& ids);
  int64_t count();
  int64_t used_bytes();       // pages in use x page size
  int64_t evicted() const { return evicted_; }  // records dropped by the quota since start

  static std::string new_id();

 private:
  void enforce_quota();
  std::mutex mutex_;
  deploy::SqliteDb db_;
  int64_t quota_bytes_;
  int64_t evicted_ = 0;
};

}  // namespace wisp::agent
