#include "agent/telemetry_store.hpp"

#include <sodium.h>

#include <chrono>

#include "deploy/request_auth.hpp"
#include "package/keys.hpp"

namespace wisp::agent {

TelemetryStore::TelemetryStore(const std::string& path, double quota_mb)
    : db_(path), quota_bytes_(static_cast<int64_t>(quota_mb * 1024 * 1024)) {
  // auto_vacuum must be chosen before the first table exists; INCREMENTAL lets the quota
  // code give pages back to the file system after deleting.
  db_.exec("PRAGMA auto_vacuum=INCREMENTAL");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS records(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, "
      "time INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL)");
  // Keep the WAL small: it counts against the device's disk too.
  db_.exec("PRAGMA wal_autocheckpoint=64; PRAGMA journal_size_limit=1048576");
}

std::string TelemetryStore::new_id() {
  package::ensure_sodium();
  uint8_t b[16];
  randombytes_buf(b, sizeof b);
  return deploy::hex_encode(b, sizeof b);
}

std::string TelemetryStore::add(const std::string& kind, const deploy::Json& data, int64_t time) {
  if (time < 0)
    time = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string id = new_id();
  std::lock_guard<std::mutex> lock(mutex_);
  auto st = db_.prepare("INSERT INTO records(id, time, kind, data) VALUES(?, ?, ?, ?)");
  st.bind(1, std::string_view(id)).bind(2, time).bind(3, std::string_view(kind)).bind(4, std::string_view(data.dump()));
  st.run();
  enforce_quota();
  return id;
}

int64_t TelemetryStore::used_bytes() {
  const int64_t pages = db_.query_int("PRAGMA page_count").value_or(0);
  const int64_t free_pages = db_.query_int("PRAGMA freelist_count").value_or(0);
  return (pages - free_pages) * db_.query_int("PRAGMA page_size").value_or(4096);
}

void TelemetryStore::enforce_quota() {
  // Delete the oldest tenth (at least one record) until under the quota; the newest record
  // always stays, so one oversized record cannot loop forever.
  while (used_bytes() > quota_bytes_) {
    const int64_t n = db_.query_int("SELECT COUNT(*) FROM records").value_or(0);
    if (n <= 1) break;
    const int64_t drop = std::max<int64_t>(1, n / 10);
    auto st = db_.prepare("DELETE FROM records WHERE seq IN (SELECT seq FROM records ORDER BY seq LIMIT ?)");
    st.bind(1, drop);
    evicted_ += st.run();
    db_.exec("PRAGMA incremental_vacuum");
  }
}

std::vector<TelemetryRecord> TelemetryStore::oldest(int64_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TelemetryRecord> r;
  auto st = db_.prepare("SELECT id, time, kind, data FROM records ORDER BY seq LIMIT ?");
  st.bind(1, limit);
  while (st.step())
    r.push_back({st.column_text(0), st.column_int(1), st.column_text(2),
                 deploy::parse_json(st.column_text(3), "telemetry record")});
  return r;
}

void TelemetryStore::remove(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mutex_);
  deploy::Transaction tx(db_);
  auto st = db_.prepare("DELETE FROM records WHERE id = ?");
  for (const std::string& id : ids) {
    st.reset();
    st.bind(1, std::string_view(id));
    st.run();
  }
  tx.commit();
}

int64_t TelemetryStore::count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return db_.query_int("SELECT COUNT(*) FROM records").value_or(0);
}

}  // namespace wisp::agent
