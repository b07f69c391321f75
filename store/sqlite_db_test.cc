#include "store/sqlite_db.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::store {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

std::string TempPath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(
      dir != nullptr ? dir : "/tmp", "/",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
}

TEST(SqliteDbTest, OpensFilesInWalModeWithForeignKeys) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(TempPath()));
  EXPECT_THAT(db->JournalMode(), common::IsOkAndHolds("wal"));
  ASSERT_OK_AND_ASSIGN(Statement fk, db->Prepare("PRAGMA foreign_keys"));
  ASSERT_THAT(fk.Step(), common::IsOkAndHolds(true));
  EXPECT_EQ(fk.ColumnInt64(0), 1);
  ASSERT_OK_AND_ASSIGN(Statement sync, db->Prepare("PRAGMA synchronous"));
  ASSERT_THAT(sync.Step(), common::IsOkAndHolds(true));
  EXPECT_EQ(sync.ColumnInt64(0), 1);  // NORMAL
}

TEST(SqliteDbTest, InMemoryDatabaseKeepsMemoryJournal) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  EXPECT_THAT(db->JournalMode(), common::IsOkAndHolds("memory"));
}

TEST(SqliteDbTest, BindsAndReadsEveryType) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  ASSERT_OK(db->Exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n)"));
  ASSERT_OK_AND_ASSIGN(
      Statement insert,
      db->Prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)"));
  const std::string blob("a\0b", 3);
  ASSERT_OK(insert.BindInt64(1, int64_t{1} << 40));
  ASSERT_OK(insert.BindDouble(2, 0.1));
  ASSERT_OK(insert.BindText(3, "h\xC3\xA9llo, \"x\""));
  ASSERT_OK(insert.BindBlob(4, blob));
  ASSERT_OK(insert.BindNull(5));
  ASSERT_OK(insert.Run());
  EXPECT_EQ(db->LastInsertRowId(), 1);
  EXPECT_EQ(db->Changes(), 1);

  ASSERT_OK_AND_ASSIGN(Statement select, db->Prepare("SELECT * FROM t"));
  ASSERT_THAT(select.Step(), common::IsOkAndHolds(true));
  ASSERT_EQ(select.ColumnCount(), 5);
  EXPECT_EQ(select.ColumnName(2), "s");
  EXPECT_EQ(select.ColumnTypeAt(0), ColumnType::kInteger);
  EXPECT_EQ(select.ColumnTypeAt(1), ColumnType::kFloat);
  EXPECT_EQ(select.ColumnTypeAt(2), ColumnType::kText);
  EXPECT_EQ(select.ColumnTypeAt(3), ColumnType::kBlob);
  EXPECT_EQ(select.ColumnTypeAt(4), ColumnType::kNull);
  EXPECT_EQ(select.ColumnInt64(0), int64_t{1} << 40);
  EXPECT_EQ(select.ColumnDouble(1), 0.1);
  EXPECT_EQ(select.ColumnText(2), "h\xC3\xA9llo, \"x\"");
  EXPECT_EQ(select.ColumnBlob(3), blob);
  EXPECT_TRUE(select.ColumnIsNull(4));
  EXPECT_EQ(select.ColumnText(4), "");
  EXPECT_THAT(select.Step(), common::IsOkAndHolds(false));
}

TEST(SqliteDbTest, ResetLetsAStatementRunAgain) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  ASSERT_OK(db->Exec("CREATE TABLE t (i INTEGER)"));
  ASSERT_OK_AND_ASSIGN(Statement insert,
                       db->Prepare("INSERT INTO t VALUES (?1)"));
  for (int i = 0; i < 3; ++i) {
    insert.Reset();
    ASSERT_OK(insert.BindInt64(1, i));
    ASSERT_OK(insert.Run());
  }
  ASSERT_OK_AND_ASSIGN(Statement count, db->Prepare("SELECT sum(i) FROM t"));
  ASSERT_THAT(count.Step(), common::IsOkAndHolds(true));
  EXPECT_EQ(count.ColumnInt64(0), 3);
}

TEST(SqliteDbTest, BindOutOfRangeNamesTheParameterAndSql) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(Statement stmt, db->Prepare("SELECT ?1"));
  EXPECT_THAT(
      stmt.BindInt64(5, 0),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("parameter 5 of 1"), HasSubstr("'SELECT ?1'"))));
}

TEST(SqliteDbTest, PrepareErrorNamesSqlAndSqliteMessage) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  EXPECT_THAT(db->Prepare("SELEC 1"),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("'SELEC 1'"), HasSubstr("syntax"))));
  EXPECT_THAT(db->Prepare("  "), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("holds no statement")));
}

TEST(SqliteDbTest, ConstraintViolationsMapToStatusCodes) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(":memory:"));
  ASSERT_OK(
      db->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)"));
  ASSERT_OK(db->Exec("INSERT INTO t VALUES (1, 1)"));
  EXPECT_THAT(db->Exec("INSERT INTO t VALUES (1, 2)"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("UNIQUE constraint failed: t.k")));
  EXPECT_THAT(db->Exec("INSERT INTO t VALUES (2, NULL)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("NOT NULL constraint failed: t.v")));
}

TEST(SqliteDbTest, InTransactionCommitsOrRollsBackEverything) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteDb> db,
                       SqliteDb::Open(TempPath()));
  ASSERT_OK(db->Exec("CREATE TABLE t (i INTEGER)"));
  ASSERT_OK(db->InTransaction(
      [&] { return db->Exec("INSERT INTO t VALUES (1), (2)"); }));
  EXPECT_THAT(db->InTransaction([&]() -> absl::Status {
    EXPECT_OK(db->Exec("INSERT INTO t VALUES (3)"));
    return absl::AbortedError("injected");
  }),
              StatusIs(absl::StatusCode::kAborted, "injected"));
  ASSERT_OK_AND_ASSIGN(Statement count, db->Prepare("SELECT count(*) FROM t"));
  ASSERT_THAT(count.Step(), common::IsOkAndHolds(true));
  EXPECT_EQ(count.ColumnInt64(0), 2);
}

TEST(SqliteDbTest, OpenOfAnUnreachablePathNamesIt) {
  EXPECT_THAT(SqliteDb::Open("/nonexistent-dir/sub/x.db"),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("'/nonexistent-dir/sub/x.db'")));
}

}  // namespace
}  // namespace illusion::store
