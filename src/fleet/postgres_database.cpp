// PostgreSQL backend of the fleet storage interface (libpqxx 6). One connection guarded by
// a recursive mutex, like the SQLite backend. Statements written with `?` placeholders are
// rewritten to PostgreSQL's $1, $2, ... (the fleet's SQL never has '?' inside literals).
// A statement outside `transaction` runs in its own pqxx::work and commits at once.
#include "core/status.hpp"
#include "fleet/database.hpp"

#ifdef WISP_WITH_POSTGRES
#include <pqxx/pqxx>

#include <mutex>

namespace wisp::fleet {
namespace {

std::string to_dollar_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const std::string& conninfo) {
    try {
      conn_ = std::make_unique<pqxx::connection>(conninfo);
    } catch (const std::exception& e) {
      fail(ErrorCode::kIo, "fleet storage: cannot connect to PostgreSQL ('", conninfo, "'): ", e.what(),
           " (check storage.conninfo in the fleet config and that the server is running)");
    }
  }

  SqlResult exec(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::lock_guard lock(mu_);
    const std::string pg_sql = to_dollar_placeholders(sql);
    std::vector<const char*> raw;
    raw.reserve(params.size());
    for (const SqlValue& p : params) raw.push_back(p ? p->c_str() : nullptr);
    try {
      if (tx_) return convert(tx_->exec_params(pg_sql, pqxx::prepare::make_dynamic_params(raw)));
      pqxx::work w(*conn_);
      pqxx::result r = w.exec_params(pg_sql, pqxx::prepare::make_dynamic_params(raw));
      w.commit();
      return convert(r);
    } catch (const pqxx::integrity_constraint_violation& e) {
      fail(ErrorCode::kInvalidArgument, "fleet storage (postgres): '", sql, "' failed: ", e.what());
    } catch (const pqxx::sql_error& e) {
      fail(ErrorCode::kIo, "fleet storage (postgres): '", sql, "' failed: ", e.what());
    }
  }

  void transaction(const std::function<void()>& body) override {
    std::lock_guard lock(mu_);
    if (tx_) {
      body();
      return;
    }
    tx_ = std::make_unique<pqxx::work>(*conn_);
    try {
      body();
      tx_->commit();
      tx_.reset();
    } catch (...) {
      tx_.reset();  // destroying an uncommitted pqxx::work rolls it back
      throw;
    }
  }

  std::string backend_name() const override { return "postgres"; }

 private:
  static SqlResult convert(const pqxx::result& r) {
    SqlResult out;
    out.changes = static_cast<int64_t>(r.affected_rows());
    out.rows.reserve(r.size());
    for (const auto& row : r) {
      SqlRow o;
      o.cells.reserve(row.size());
      for (const auto& field : row) {
        if (field.is_null()) o.cells.emplace_back(std::nullopt);
        else o.cells.emplace_back(std::string(field.c_str(), field.size()));
      }
      out.rows.push_back(std::move(o));
    }
    return out;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::recursive_mutex mu_;
};

}  // namespace

std::unique_ptr<Database> open_postgres_database(const std::string& conninfo) {
  return std::make_unique<PostgresDatabase>(conninfo);
}

}  // namespace wisp::fleet

#else

namespace wisp::fleet {
std::unique_ptr<Database> open_postgres_database(const std::string&) {
  fail(ErrorCode::kUnsupported,
       "this build has no PostgreSQL storage: install libpqxx-dev and configure with -DWISP_WITH_POSTGRES=ON, "
       "or use {\"kind\":\"sqlite\"} storage");
}
}  // namespace wisp::fleet

#endif
