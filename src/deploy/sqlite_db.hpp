// A small RAII wrapper over SQLite for the agent and the fleet server: one connection,
// WAL journal + busy timeout (a reader never blocks the writer, a second process waits
// instead of failing at once), prepared statements with bind/step, and transactions that
// roll back unless committed. Every failure throws wisp::Error(kIo) naming the database
// path and the SQL that failed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace wisp::deploy {

class SqliteDb;

// A prepared statement. Bind indices start at 1 (SQLite's rule); column indices at 0.
class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, const void* data, size_t size);
  Statement& bind_null(int index);
  // Binds 1..N in order.
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int i = 1;
    (bind(i++, args), ...);
    return *this;
  }

  // Runs one step: true while a row is available, false when done.
  bool step();
  // Runs to completion (an INSERT/UPDATE/DELETE); returns the rows changed.
  int64_t run();
  void reset();  // ready to run again with new bindings

  int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::vector<uint8_t> column_blob(int col) const;
  bool column_is_null(int col) const;

 private:
  SqliteDb* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) with WAL and a busy timeout. ":memory:" works for tests.
  explicit SqliteDb(const std::string& path, int busy_timeout_ms = 5000);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (schema, pragmas).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(*this, sql); }
  // The first column of the first row of a query, or nullopt when there is no row.
  std::optional<int64_t> query_int(std::string_view sql);
  int64_t last_insert_rowid() const;
  int64_t changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  // Throws kIo with SQLite's message for `rc` (not SQLITE_OK/ROW/DONE), naming `what`.
  [[noreturn]] void raise(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
// IMMEDIATE takes the write lock at once, so two writers never deadlock upgrading.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace wisp::deploy
