#include "coordinator/scaled_out/csv_table.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator::scaled_out {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(CsvTableTest, ParsesQuotedFieldsAndNumbers) {
  absl::StatusOr<CsvTable> table =
      CsvTable::Parse("a,b,c\r\n1,\"x, \"\"y\"\"\",2.5\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->num_rows(), 1);
  EXPECT_THAT(table->Get(0, "b"), IsOkAndHolds("x, \"y\""));
  EXPECT_THAT(table->GetDouble(0, "c"), IsOkAndHolds(2.5));
  EXPECT_THAT(table->GetInt(0, "a"), IsOkAndHolds(1));
}

TEST(CsvTableTest, ErrorsNameFileLineAndColumn) {
  absl::StatusOr<CsvTable> table = CsvTable::Parse("a,b\n1,2\n3,zz\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->GetDouble(1, "b"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("t.csv:3: column 'b': 'zz'")));
  EXPECT_THAT(table->Get(0, "nope"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nope")));
}

TEST(CsvTableTest, RejectsRaggedRowsAndMissingFiles) {
  EXPECT_THAT(CsvTable::Parse("a,b\n1\n", "t.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("t.csv:2: 1 fields; header has 2")));
  EXPECT_THAT(CsvTable::Parse("a\n\"x\n", "t.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unterminated quote")));
  EXPECT_THAT(CsvTable::Read("/nonexistent/x.csv"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace illusion::coordinator::scaled_out
