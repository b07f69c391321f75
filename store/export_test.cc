#include "store/export.h"

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "store/trace_store.h"

namespace illusion::store {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

// Two runs of one experiment; run 1 has awkward text in its slices.
class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, TraceStore::Open(":memory:"));
    ASSERT_OK_AND_ASSIGN(const int64_t experiment,
                         store_->CreateExperiment("e, \"quoted\"", "{}"));
    ASSERT_OK_AND_ASSIGN(
        run_, store_->StartRun({experiment, "paper", "in_process", "seq", 2}));
    ASSERT_OK_AND_ASSIGN(
        other_run_, store_->StartRun({experiment, "greedy", "grpc", "seq", 2}));
    ASSERT_OK(store_->AddSlices(
        run_, {{0, "a,b", "[\"x\"]", 1, 2}, {1, "line1\nline2", "[]", 3, 4}}));
    ASSERT_OK(store_->AddSlices(other_run_, {{0, "plain", "[]", 5, 6}}));
    ASSERT_OK(store_->AppendMessages(
        run_, {{0, 0, -1, 0, 1, 2, 0.1, 0.30000000000000004, 1e-12}}));
    ASSERT_OK(store_->FinishRun(run_, RunStatus::kComplete, ""));
  }

  std::string Export(absl::string_view table, ExportFormat format,
                     std::optional<int64_t> run_id) {
    std::ostringstream out;
    EXPECT_OK(ExportTable(*store_, table, format, run_id, out));
    return out.str();
  }

  std::unique_ptr<TraceStore> store_;
  int64_t run_ = 0;
  int64_t other_run_ = 0;
};

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("l1\nl2"), "\"l1\nl2\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
}

TEST_F(ExportTest, CsvHasHeaderQuotingAndRunFilter) {
  EXPECT_EQ(Export("slices", ExportFormat::kCsv, run_),
            "run_id,chip,label,ops_json,weight_bytes,activation_peak_bytes\n"
            "1,0,\"a,b\",\"[\"\"x\"\"]\",1,2\n"
            "1,1,\"line1\nline2\",[],3,4\n");
  EXPECT_EQ(Export("slices", ExportFormat::kCsv, std::nullopt),
            "run_id,chip,label,ops_json,weight_bytes,activation_peak_bytes\n"
            "1,0,\"a,b\",\"[\"\"x\"\"]\",1,2\n"
            "1,1,\"line1\nline2\",[],3,4\n"
            "2,0,plain,[],5,6\n");
}

TEST_F(ExportTest, CsvWritesRealsExactlyAndNullsEmpty) {
  EXPECT_EQ(Export("messages", ExportFormat::kCsv, run_),
            "run_id,inference,seq,source,destination,words,bytes,start_s,"
            "end_s,energy_j\n"
            "1,0,0,-1,0,1,2,0.1,0.30000000000000004,1e-12\n");
  const std::string runs = Export("runs", ExportFormat::kCsv, other_run_);
  // A running run has NULL finished_at and error: two empty fields.
  EXPECT_THAT(runs, HasSubstr(",running,"));
  EXPECT_THAT(runs, HasSubstr("Z,,,"));
}

TEST_F(ExportTest, JsonParsesBackToTheRows) {
  const std::string text = Export("slices", ExportFormat::kJson, run_);
  const nlohmann::json rows = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(rows.is_discarded()) << text;
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["label"], "a,b");
  EXPECT_EQ(rows[0]["ops_json"], "[\"x\"]");
  EXPECT_EQ(rows[1]["label"], "line1\nline2");
  EXPECT_EQ(rows[1]["activation_peak_bytes"], 4);
  EXPECT_EQ(rows[1]["run_id"], run_);

  const nlohmann::json runs = nlohmann::json::parse(
      Export("runs", ExportFormat::kJson, std::nullopt), nullptr, false);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["status"], "complete");
  EXPECT_TRUE(runs[1]["finished_at"].is_null());

  const nlohmann::json messages = nlohmann::json::parse(
      Export("messages", ExportFormat::kJson, run_), nullptr, false);
  EXPECT_EQ(messages[0]["end_s"].get<double>(), 0.30000000000000004);
}

TEST_F(ExportTest, EmptyTableIsAnEmptyArrayOrJustAHeader) {
  EXPECT_EQ(Export("reports", ExportFormat::kJson, std::nullopt), "[]\n");
  EXPECT_EQ(Export("reports", ExportFormat::kCsv, std::nullopt),
            "run_id,json\n");
}

TEST_F(ExportTest, ExperimentsFilterToTheRunsExperiment) {
  const nlohmann::json experiments = nlohmann::json::parse(
      Export("experiments", ExportFormat::kJson, run_), nullptr, false);
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0]["name"], "e, \"quoted\"");
}

TEST_F(ExportTest, UnknownTableListsTheValidOnesAndWritesNothing) {
  std::ostringstream out;
  EXPECT_THAT(
      ExportTable(*store_, "sqlite_schema", ExportFormat::kJson, std::nullopt,
                  out),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("unknown table 'sqlite_schema'"),
                     HasSubstr("experiments, runs, chips, slices, "
                               "power_intervals, messages, layer_executions, "
                               "reports"))));
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(
      ExportTable(*store_, "slices", ExportFormat::kCsv, 42, out),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("run 42 not found")));
}

TEST_F(ExportTest, FailingStreamIsDataLoss) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_THAT(ExportTable(*store_, "slices", ExportFormat::kCsv, run_, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("'slices'")));
}

TEST(ExportFormatTest, ParsesNames) {
  EXPECT_THAT(ParseExportFormat("csv"), IsOkAndHolds(ExportFormat::kCsv));
  EXPECT_THAT(ParseExportFormat("json"), IsOkAndHolds(ExportFormat::kJson));
  EXPECT_THAT(ParseExportFormat("xml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown export format 'xml'")));
}

}  // namespace
}  // namespace illusion::store
