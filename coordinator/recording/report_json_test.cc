#include "coordinator/recording/report_json.h"

#include <cmath>
#include <limits>
#include <string>

#include "common/status_matchers.h"
#include "coordinator/accounting.h"
#include "coordinator/experiment.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

void ExpectSameAccount(const Account& a, const Account& b) {
  EXPECT_EQ(a.inferences, b.inferences);
  EXPECT_EQ(a.time_ns, b.time_ns);
  EXPECT_EQ(a.energy_j, b.energy_j);
  EXPECT_EQ(a.sleep_j, b.sleep_j);
  EXPECT_EQ(a.host_link_j, b.host_link_j);
  ASSERT_EQ(a.chips.size(), b.chips.size());
  for (size_t k = 0; k < a.chips.size(); ++k) {
    SCOPED_TRACE(k);
    const ChipAccount& x = a.chips[k];
    const ChipAccount& y = b.chips[k];
    EXPECT_EQ(x.chip, y.chip);
    EXPECT_EQ(x.wakeups, y.wakeups);
    EXPECT_EQ(x.busy_ns, y.busy_ns);
    EXPECT_EQ(x.active_ns, y.active_ns);
    EXPECT_EQ(x.sleep_ns, y.sleep_ns);
    EXPECT_EQ(x.active_j, y.active_j);
    EXPECT_EQ(x.wakeup_j, y.wakeup_j);
    EXPECT_EQ(x.shutdown_j, y.shutdown_j);
    EXPECT_EQ(x.sleep_j, y.sleep_j);
    EXPECT_EQ(x.mac_j, y.mac_j);
    EXPECT_EQ(x.nvm_read_j, y.nvm_read_j);
    EXPECT_EQ(x.nvm_write_j, y.nvm_write_j);
    EXPECT_EQ(x.link_j, y.link_j);
  }
}

void ExpectSameTimelines(const std::vector<ChipTimeline>& a, const std::vector<ChipTimeline>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(a[k].chip, b[k].chip);
    EXPECT_EQ(a[k].wakeups, b[k].wakeups);
    EXPECT_EQ(a[k].first_wake_ns, b[k].first_wake_ns);
    EXPECT_EQ(a[k].last_off_ns, b[k].last_off_ns);
    EXPECT_EQ(a[k].waking_ns, b[k].waking_ns);
    EXPECT_EQ(a[k].active_ns, b[k].active_ns);
    EXPECT_EQ(a[k].shutting_down_ns, b[k].shutting_down_ns);
    EXPECT_EQ(a[k].sleep_ns, b[k].sleep_ns);
    EXPECT_EQ(a[k].longest_sleep_ns, b[k].longest_sleep_ns);
  }
}

// The MNIST paper 8-chip experiment, 2 inferences, seeded weights (shared by
// the tests: it takes a moment).
const ExperimentResult& MnistResult() {
  static const ExperimentResult* result = [] {
    ExperimentConfig c;
    c.workload = nn::Workload::kMnist;
    c.inferences = 2;
    absl::StatusOr<ExperimentResult> r = RunExperiment(c);
    if (!r.ok()) {
      ADD_FAILURE() << r.status();
      return new ExperimentResult();
    }
    return new ExperimentResult(*std::move(r));
  }();
  return *result;
}

TEST(ReportJsonTest, ReportOfARealRunRoundTripsExactly) {
  const ExperimentResult& r = MnistResult();
  ASSERT_EQ(r.report.run.chips.size(), 8u);
  const std::string json = ReportToJson(r.report);
  ASSERT_OK_AND_ASSIGN(Report back, ParseReportJson(json));
  ExpectSameAccount(back.run, r.report.run);
  ExpectSameAccount(back.baseline, r.report.baseline);
  EXPECT_EQ(back.energy_ratio, r.report.energy_ratio);
  EXPECT_EQ(back.time_ratio, r.report.time_ratio);
  EXPECT_EQ(back.edp_ratio, r.report.edp_ratio);
  // Writing it again gives the same text: stable field order and numbers.
  EXPECT_EQ(ReportToJson(back), json);
}

TEST(ReportJsonTest, DocumentWithTimelinesRoundTrips) {
  const ExperimentResult& r = MnistResult();
  ReportDocument doc;
  doc.kind = ReportKind::kReport;
  doc.phase = "run";
  doc.baseline_run_id = 42;
  doc.report = r.report;
  ASSERT_OK_AND_ASSIGN(doc.run_timelines, SummarizeTimelines(r.run));
  ASSERT_OK_AND_ASSIGN(doc.baseline_timelines, SummarizeTimelines(r.baseline_run));
  ASSERT_OK_AND_ASSIGN(ReportDocument back, ParseReportDocument(ReportDocumentToJson(doc)));
  EXPECT_EQ(back.kind, ReportKind::kReport);
  EXPECT_EQ(back.phase, "run");
  EXPECT_EQ(back.baseline_run_id, 42);
  ExpectSameAccount(back.report.run, doc.report.run);
  ExpectSameTimelines(back.run_timelines, doc.run_timelines);
  ExpectSameTimelines(back.baseline_timelines, doc.baseline_timelines);
}

TEST(ReportJsonTest, WritesStableSnakeCaseFieldsAndDerivedValues) {
  const ExperimentResult& r = MnistResult();
  ASSERT_OK_AND_ASSIGN(std::vector<ChipTimeline> timelines, SummarizeTimelines(r.run));
  const nlohmann::json j = nlohmann::json::parse(AccountToJson(r.account, timelines));
  EXPECT_EQ(j.at("format"), "illusion.report");
  EXPECT_EQ(j.at("version"), 1);
  EXPECT_EQ(j.at("kind"), "account");
  EXPECT_FALSE(j.contains("baseline"));
  const nlohmann::json& run = j.at("run");
  EXPECT_EQ(run.at("time_ns").get<int64_t>(), r.account.time_ns);
  EXPECT_EQ(run.at("edp_js").get<double>(), r.account.edp_js());
  EXPECT_EQ(run.at("time_s").get<double>(), r.account.time_s());
  double active = 0, link = 0;
  for (const ChipAccount& c : r.account.chips) active += c.active_j, link += c.link_j;
  EXPECT_EQ(run.at("active_j").get<double>(), active);
  EXPECT_EQ(run.at("link_j").get<double>(), link);
  const nlohmann::json& chip3 = run.at("chips").at(3);
  for (const char* key : {"chip", "wakeups", "busy_ns", "active_ns", "sleep_ns", "active_j",
                          "wakeup_j", "shutdown_j", "sleep_j", "mac_j", "nvm_read_j", "nvm_write_j",
                          "link_j", "total_j", "edp_js", "timeline"}) {
    EXPECT_TRUE(chip3.contains(key)) << key;
  }
  EXPECT_EQ(chip3.at("total_j").get<double>(), r.account.chips[3].total_j());
  EXPECT_EQ(chip3.at("edp_js").get<double>(), r.account.chips[3].total_j() * r.account.time_s());
  const nlohmann::json& t = chip3.at("timeline");
  EXPECT_EQ(t.at("wakeups"), 2);  // one per inference
  EXPECT_GT(t.at("duty_cycle").get<double>(), 0.0);
  EXPECT_LT(t.at("duty_cycle").get<double>(), 1.0);
}

TEST(ReportJsonTest, NonFiniteValuesAreNullAndReadBackAsNan) {
  Account a;
  a.inferences = 1;
  a.time_ns = 10;
  a.energy_j = std::numeric_limits<double>::infinity();
  a.chips.resize(1);
  a.chips[0].link_j = std::nan("");
  const std::string json = AccountToJson(a);
  EXPECT_THAT(json, HasSubstr("\"energy_j\":null"));
  ASSERT_OK_AND_ASSIGN(Account back, ParseAccountJson(json));
  EXPECT_TRUE(std::isnan(back.energy_j));
  EXPECT_TRUE(std::isnan(back.chips[0].link_j));
}

TEST(ReportJsonTest, TimelinesOfTheWrongCountAreLeftOut) {
  Account a;
  a.chips.resize(2);
  a.chips[1].chip = 1;
  ChipTimeline t;
  ASSERT_OK_AND_ASSIGN(ReportDocument back,
                       ParseReportDocument(AccountToJson(a, std::vector<ChipTimeline>{t})));
  EXPECT_TRUE(back.run_timelines.empty());
}

TEST(ReportJsonTest, RejectsMalformedDocumentsNamingTheField) {
  const ExperimentResult& r = MnistResult();
  const nlohmann::json good = nlohmann::json::parse(ReportToJson(r.report));

  EXPECT_THAT(ParseReportDocument("{\"format\": "),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseReportDocument("[]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected an object")));

  nlohmann::json j = good;
  j["format"] = "something.else";
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("format is string \"something.else\"; expected "
                                 "\"illusion.report\"")));
  j = good;
  j["version"] = 2;
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("version 2; this build reads versions up to 1")));
  j = good;
  j["kind"] = "summary";
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind is string")));
  j = good;
  j["run"]["chips"][2].erase("active_j");
  EXPECT_THAT(
      ParseReportDocument(j.dump()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.chips[2].active_j is missing")));
  j = good;
  j["baseline"]["chips"][0]["sleep_j"] = "lots";
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("baseline.chips[0].sleep_j is string \"lots\"; expected a "
                                 "number")));
  j = good;
  j["run"]["chips"][1]["wakeups"] = -3;
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("run.chips[1].wakeups is number -3; expected an integer in "
                                 "[0, 2147483647]")));
  j = good;
  j["run"]["time_ns"] = 1.5;
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("run.time_ns is number")));
  j = good;
  j["run"]["chips"][4]["chip"] = 5;
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("run.chips[4].chip is 5; chips must be listed in order, "
                                 "expected 4")));
  j = good;
  j.erase("ratios");
  EXPECT_THAT(ParseReportDocument(j.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ratios is missing")));
}

TEST(ReportJsonTest, KindSpecificParsersRefuseTheOtherKind) {
  const ExperimentResult& r = MnistResult();
  EXPECT_THAT(ParseAccountJson(ReportToJson(r.report)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("kind \"report\"; expected \"account\"")));
  EXPECT_THAT(ParseReportJson(AccountToJson(r.account)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("kind \"account\"; expected \"report\"")));
  ASSERT_OK_AND_ASSIGN(Account a, ParseAccountJson(AccountToJson(r.account)));
  ExpectSameAccount(a, r.account);
}

WakeUpRecord WakeUp(int chip, int64_t start, int64_t wake, int64_t active, int64_t shut) {
  WakeUpRecord w;
  w.chip = chip;
  w.label = std::to_string(chip);
  w.start_ns = start;
  w.end_ns = start + wake + active + shut;
  using chipd::PowerState;
  w.intervals = {{PowerState::kWaking, start, start + wake, 0},
                 {PowerState::kActive, start + wake, start + wake + active, 0},
                 {PowerState::kShuttingDown, start + wake + active, w.end_ns, 0}};
  return w;
}

TEST(ReportJsonTest, SummarizesEachChipsTimeline) {
  RunRecord record;
  record.num_chips = 3;
  record.end_ns = 1000;
  record.wake_ups.push_back(WakeUp(0, 100, 10, 50, 5));   // busy [100, 165)
  record.wake_ups.push_back(WakeUp(1, 165, 10, 100, 5));  // busy [165, 280)
  record.wake_ups.push_back(WakeUp(0, 700, 10, 20, 5));   // busy [700, 735)
  ASSERT_OK_AND_ASSIGN(std::vector<ChipTimeline> t, SummarizeTimelines(record));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].wakeups, 2);
  EXPECT_EQ(t[0].first_wake_ns, 100);
  EXPECT_EQ(t[0].last_off_ns, 735);
  EXPECT_EQ(t[0].waking_ns, 20);
  EXPECT_EQ(t[0].active_ns, 70);
  EXPECT_EQ(t[0].shutting_down_ns, 10);
  EXPECT_EQ(t[0].sleep_ns, 900);
  EXPECT_EQ(t[0].longest_sleep_ns, 700 - 165);
  EXPECT_DOUBLE_EQ(t[0].duty_cycle(record.end_ns), 0.1);
  EXPECT_EQ(t[1].longest_sleep_ns, 1000 - 280);
  // A chip that never woke sleeps throughout.
  EXPECT_EQ(t[2].wakeups, 0);
  EXPECT_EQ(t[2].first_wake_ns, -1);
  EXPECT_EQ(t[2].sleep_ns, 1000);
  EXPECT_EQ(t[2].longest_sleep_ns, 1000);

  record.wake_ups.push_back(WakeUp(3, 800, 1, 1, 1));
  EXPECT_THAT(SummarizeTimelines(record),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("wake-up '3' of inference 0 ran on chip 3; the run has chips "
                                 "0..2")));
}

}  // namespace
}  // namespace illusion::coordinator
