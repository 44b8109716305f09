#include "deploy/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "wisp/error.hpp"

namespace wisp::deploy {
namespace {

TEST(SqliteDb, PreparedStatementsBindStepAndRead) {
  SqliteDb db(":memory:");
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, blob BLOB)");
  auto ins = db.prepare("INSERT INTO t(name, score, blob) VALUES(?, ?, ?)");
  const uint8_t b[3] = {1, 0, 9};
  ins.bind(1, std::string_view("x")).bind(2, 2.5).bind_blob(3, b, 3);
  EXPECT_EQ(ins.run(), 1);
  ins.reset();
  ins.bind(1, std::string_view("y")).bind(2, -1.0).bind_null(3);
  ins.run();
  EXPECT_EQ(db.last_insert_rowid(), 2);
  auto q = db.prepare("SELECT name, score, blob FROM t ORDER BY id");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(0), "x");
  EXPECT_DOUBLE_EQ(q.column_double(1), 2.5);
  EXPECT_EQ(q.column_blob(2), (std::vector<uint8_t>{1, 0, 9}));
  ASSERT_TRUE(q.step());
  EXPECT_TRUE(q.column_is_null(2));
  EXPECT_FALSE(q.step());
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM t"), 2);
  EXPECT_EQ(db.query_int("SELECT id FROM t WHERE name='none'"), std::nullopt);
}

TEST(SqliteDb, TransactionRollsBackUnlessCommitted) {
  SqliteDb db(":memory:");
  db.exec("CREATE TABLE t(v INTEGER)");
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES(1)");
  }
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM t"), 0);
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES(1)");
    tx.commit();
  }
  EXPECT_EQ(db.query_int("SELECT COUNT(*) FROM t"), 1);
}

TEST(SqliteDb, ErrorsNameTheDatabaseAndStatement) {
  SqliteDb db(":memory:");
  try {
    db.exec("SELEC 1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("SELEC 1"), std::string::npos);
  }
  EXPECT_THROW(SqliteDb("/nonexistent-dir/x/y.db"), Error);
}

TEST(SqliteDb, FileDatabaseUsesWal) {
  const std::string path = ::testing::TempDir() + "/wisp_sqlite_wal_test.db";
  std::filesystem::remove(path);
  {
    SqliteDb db(path);
    auto st = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.column_text(0), "wal");
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace wisp::deploy
