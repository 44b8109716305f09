// The fleet's storage interface: one abstract SQL database with two backends, SQLite (the
// default, one file) and PostgreSQL (libpqxx, for larger fleets). Everything above this
// layer (FleetStore) writes one portable SQL dialect, so both backends run the same schema
// and the same queries:
//   - placeholders are `?` (the PostgreSQL backend rewrites them to $1, $2, ...);
//   - types are TEXT, BIGINT and DOUBLE PRECISION only;
//   - upserts use `INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE` (SQLite >= 3.24).
// Values cross the interface as text (or NULL): callers convert, so neither backend's type
// system leaks out. A Database is safe to share between threads: every call takes the
// backend's lock, and `transaction` holds it for the whole function, so a transaction's
// reads and writes are not interleaved with another thread's.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wisp::fleet {

// One SQL parameter or result cell: text, or nullopt for NULL.
using SqlValue = std::optional<std::string>;

struct SqlRow {
  std::vector<SqlValue> cells;
  const std::string& text(size_t i) const;  // throws if NULL
  std::string text_or(size_t i, const std::string& fallback) const;
  int64_t integer(size_t i) const;          // throws if NULL or not a number
  int64_t integer_or(size_t i, int64_t fallback) const;
  double real_or(size_t i, double fallback) const;
  bool is_null(size_t i) const { return !cells.at(i).has_value(); }
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t changes = 0;  // rows inserted/updated/deleted by a write statement
};

class Database {
 public:
  virtual ~Database() = default;
  virtual SqlResult exec(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  // Runs `body` in one transaction: committed when it returns, rolled back when it throws
  // (the exception is rethrown). Nested calls join the outer transaction.
  virtual void transaction(const std::function<void()>& body) = 0;
  virtual std::string backend_name() const = 0;  // "sqlite" or "postgres"
};

// SQLite file at `path` (created if missing), WAL journal, 5 s busy timeout.
std::unique_ptr<Database> open_sqlite_database(const std::string& path);
// PostgreSQL through libpqxx ("host=127.0.0.1 port=5432 user=... dbname=..."). Builds without
// WISP_WITH_POSTGRES throw kUnsupported saying how to enable it.
std::unique_ptr<Database> open_postgres_database(const std::string& conninfo);

// Helpers for building parameter lists.
inline SqlValue sql_text(std::string s) { return SqlValue(std::move(s)); }
inline SqlValue sql_int(int64_t v) { return SqlValue(std::to_string(v)); }
SqlValue sql_real(double v);
inline SqlValue sql_null() { return std::nullopt; }

}  // namespace wisp::fleet
