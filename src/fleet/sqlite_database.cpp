// SQLite backend of the fleet storage interface. One connection guarded by a recursive
// mutex (httplib serves requests from a thread pool; the fleet's write rate is small, so
// one connection is simpler than a pool and cannot see SQLITE_BUSY from itself).
#include <sqlite3.h>

#include <mutex>

#include "core/status.hpp"
#include "fleet/database.hpp"

namespace wisp::fleet {
namespace {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const std::string& path) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      fail(ErrorCode::kIo, "fleet storage: cannot open SQLite database '", path, "': ", msg,
           " (check storage.path in the fleet config and that its folder exists)");
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL", {});
    exec("PRAGMA synchronous=NORMAL", {});
  }
  ~SqliteDatabase() override { sqlite3_close(db_); }

  SqlResult exec(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
      fail(ErrorCode::kInternal, "fleet storage (sqlite ", path_, "): cannot prepare '", sql, "': ", sqlite3_errmsg(db_));
    struct Finalize {
      sqlite3_stmt* s;
      ~Finalize() { sqlite3_finalize(s); }
    } finalize{stmt};
    WISP_CHECK(sqlite3_bind_parameter_count(stmt) == static_cast<int>(params.size()), ErrorCode::kInternal,
               "fleet storage: '", sql, "' takes ", sqlite3_bind_parameter_count(stmt), " parameters, got ", params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      if (params[i])
        sqlite3_bind_text(stmt, idx, params[i]->data(), static_cast<int>(params[i]->size()), SQLITE_TRANSIENT);
      else
        sqlite3_bind_null(stmt, idx);
    }
    SqlResult out;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW)
        fail(rc == SQLITE_CONSTRAINT ? ErrorCode::kInvalidArgument : ErrorCode::kIo, "fleet storage (sqlite ", path_,
             "): '", sql, "' failed: ", sqlite3_errmsg(db_));
      SqlRow row;
      const int n = sqlite3_column_count(stmt);
      row.cells.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.cells.emplace_back(std::nullopt);
        } else {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.cells.emplace_back(std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    out.changes = sqlite3_changes(db_);
    return out;
  }

  void transaction(const std::function<void()>& body) override {
    std::lock_guard lock(mu_);
    if (depth_ > 0) {  // joins the outer transaction
      ++depth_;
      struct Leave {
        int& d;
        ~Leave() { --d; }
      } leave{depth_};
      body();
      return;
    }
    exec("BEGIN IMMEDIATE", {});
    depth_ = 1;
    try {
      body();
      depth_ = 0;
      exec("COMMIT", {});
    } catch (...) {
      depth_ = 0;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::string backend_name() const override { return "sqlite"; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mu_;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<Database> open_sqlite_database(const std::string& path) {
  return std::make_unique<SqliteDatabase>(path);
}

}  // namespace wisp::fleet
