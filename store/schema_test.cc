#include "store/schema.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite_db.h"
#include "store/trace_store.h"

namespace illusion::store {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

std::string TempPath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(
      dir != nullptr ? dir : "/tmp", "/",
      ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
}

absl::StatusOr<bool> HasTable(SqliteDb& db, absl::string_view table) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db.Prepare("SELECT 1 FROM sqlite_schema WHERE name = ?1"));
  RETURN_IF_ERROR(stmt.BindText(1, table));
  return stmt.Step();
}

TEST(SchemaTest, EmptyDatabaseIsVersionZero) {
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(":memory:"));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(0));
}

TEST(SchemaTest, NewStoreIsAtTheCurrentVersion) {
  const std::string path = TempPath();
  ASSERT_OK(TraceStore::Open(path).status());
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(kSchemaVersion));
  EXPECT_THAT(TraceStoreMigrations(), testing::SizeIs(kSchemaVersion));
  for (absl::string_view table : TraceStore::TableNames()) {
    EXPECT_THAT(HasTable(*db, table), IsOkAndHolds(true)) << table;
  }
}

TEST(SchemaTest, VersionZeroRowIsMigrated) {
  const std::string path = TempPath();
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
    ASSERT_OK(
        db->Exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                 "INSERT INTO schema_version VALUES (0);"));
  }
  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(path));
  ASSERT_OK(store->CreateExperiment("e", "{}").status());
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(kSchemaVersion));
}

TEST(SchemaTest, VersionOneBaselineSuffixBecomesThePhaseColumn) {
  const std::string path = TempPath();
  {
    // A store written by a version-1 build: the baseline marked by a
    // ":baseline" suffix on the strategy.
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
    ASSERT_OK(Migrate(*db, TraceStoreMigrations().subspan(0, 1)));
    ASSERT_OK(db->Exec(
        "INSERT INTO experiments (id, name, created_at, config_json) VALUES (1, 'e', 't', '{}');"
        "INSERT INTO runs (experiment_id, strategy, backend, schedule, chip_count, status, "
        "started_at, owner_pid, owner_host) VALUES "
        "(1, 'paper', 'loopback', 'sequential', 8, 'complete', 't', 1, 'h'),"
        "(1, 'paper:baseline', 'loopback', 'sequential', 1, 'complete', 't', 1, 'h');"));
    EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(1));
  }
  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(path));
  ASSERT_OK_AND_ASSIGN(RunRecord run, store->GetRun(1));
  EXPECT_EQ(run.spec.strategy, "paper");
  EXPECT_EQ(run.spec.phase, "run");
  ASSERT_OK_AND_ASSIGN(RunRecord baseline, store->GetRun(2));
  EXPECT_EQ(baseline.spec.strategy, "paper");
  EXPECT_EQ(baseline.spec.phase, "baseline");
  // New runs must name a valid phase.
  RunSpec bad{1, "ideal", "in_process", "sequential", 1, "warmup"};
  EXPECT_THAT(store->StartRun(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("phase 'warmup'")));
}

// A synthetic two-step history: a database written by a build that knew
// only version 1 gains version 2 and keeps its rows.
constexpr Migration kHistory[] = {
    {1, "CREATE TABLE a (x INTEGER);"},
    {2, "ALTER TABLE a ADD COLUMN y TEXT DEFAULT 'new'; CREATE TABLE b (z);"},
};

TEST(SchemaTest, OlderVersionGetsOnlyTheMissingMigrations) {
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(TempPath()));
  ASSERT_OK(Migrate(*db, absl::MakeSpan(kHistory).subspan(0, 1)));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(1));
  ASSERT_OK(db->Exec("INSERT INTO a (x) VALUES (7)"));

  ASSERT_OK(Migrate(*db, kHistory));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(2));
  EXPECT_THAT(HasTable(*db, "b"), IsOkAndHolds(true));
  ASSERT_OK_AND_ASSIGN(Statement row, db->Prepare("SELECT x, y FROM a"));
  ASSERT_THAT(row.Step(), IsOkAndHolds(true));
  EXPECT_EQ(row.ColumnInt64(0), 7);
  EXPECT_EQ(row.ColumnText(1), "new");

  ASSERT_OK(Migrate(*db, kHistory));  // Nothing left to do.
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(2));
}

TEST(SchemaTest, FailedMigrationLeavesThePreviousVersionWhole) {
  constexpr Migration kBroken[] = {
      {1, "CREATE TABLE a (x INTEGER);"},
      {2, "CREATE TABLE half (x); CREATE TABLE a (x);"},  // a exists.
  };
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(TempPath()));
  EXPECT_THAT(Migrate(*db, kBroken),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("table a already exists")));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(1));
  EXPECT_THAT(HasTable(*db, "half"), IsOkAndHolds(false));
}

TEST(SchemaTest, NewerVersionIsRefusedAndLeftUntouched) {
  const std::string path = TempPath();
  ASSERT_OK(TraceStore::Open(path).status());
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
    ASSERT_OK(db->Exec("UPDATE schema_version SET version = 99"));
  }
  EXPECT_THAT(
      TraceStore::Open(path),
      StatusIs(
          absl::StatusCode::kFailedPrecondition,
          AllOf(HasSubstr(path), HasSubstr("schema version 99"),
                HasSubstr(absl::StrCat("versions up to ", kSchemaVersion)))));
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
  EXPECT_THAT(ReadSchemaVersion(*db), IsOkAndHolds(99));
}

TEST(SchemaTest, MigrationsMustBeNumberedInOrder) {
  constexpr Migration kGap[] = {{1, "SELECT 1;"}, {3, "SELECT 1;"}};
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(":memory:"));
  EXPECT_THAT(Migrate(*db, kGap),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("migration 1 has version 3")));
}

TEST(SchemaTest, ForeignDatabaseIsRefused) {
  const std::string path = TempPath();
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDb::Open(path));
    ASSERT_OK(db->Exec("CREATE TABLE customers (name TEXT)"));
  }
  EXPECT_THAT(TraceStore::Open(path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("not an Illusion trace store"),
                             HasSubstr("'customers'"))));
}

}  // namespace
}  // namespace illusion::store
