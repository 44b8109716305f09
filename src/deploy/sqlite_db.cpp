#include "deploy/sqlite_db.hpp"

#include <sqlite3.h>

#include "core/status.hpp"

namespace wisp::deploy {

SqliteDb::SqliteDb(const std::string& path, int busy_timeout_ms) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorCode::kIo, "cannot open SQLite database '", path, "': ", msg,
         " (check that the directory exists and is writable)");
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (path != ":memory:") exec("PRAGMA journal_mode=WAL");
  // NORMAL with WAL: a committed transaction survives a process crash; a power cut may
  // lose the last transactions but never corrupts the database.
  exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

void SqliteDb::raise(int rc, std::string_view what) const {
  fail(ErrorCode::kIo, "SQLite error in '", path_, "' (", what, "): ", db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc),
       " [code ", rc, "]");
}

void SqliteDb::exec(std::string_view sql) {
  const std::string s(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    fail(ErrorCode::kIo, "SQLite error in '", path_, "' running '", s.substr(0, 120), "': ", msg);
  }
}

std::optional<int64_t> SqliteDb::query_int(std::string_view sql) {
  Statement st(*this, sql);
  if (!st.step() || st.column_is_null(0)) return std::nullopt;
  return st.column_int(0);
}

int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int64_t SqliteDb::changes() const { return sqlite3_changes(db_); }

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(&db), sql_(sql) {
  const int rc = sqlite3_prepare_v2(db.handle(), sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) db.raise(rc, str_cat("prepare '", sql_.substr(0, 120), "'"));
}

Statement::Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), sql_(std::move(o.sql_)) {
  o.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_->raise(rc, str_cat("bind ", index, " of '", sql_.substr(0, 80), "'"));
  return *this;
}
Statement& Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_->raise(rc, str_cat("bind ", index, " of '", sql_.substr(0, 80), "'"));
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->raise(rc, str_cat("bind ", index, " of '", sql_.substr(0, 80), "'"));
  return *this;
}
Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  const int rc = sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->raise(rc, str_cat("bind ", index, " of '", sql_.substr(0, 80), "'"));
  return *this;
}
Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_->raise(rc, str_cat("bind ", index, " of '", sql_.substr(0, 80), "'"));
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->raise(rc, str_cat("step '", sql_.substr(0, 120), "'"));
}

int64_t Statement::run() {
  while (step()) {
  }
  return db_->changes();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::vector<uint8_t> Statement::column_blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
}
bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Transaction::Transaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {  // a destructor must not throw; the connection rolls back on close anyway
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace wisp::deploy
