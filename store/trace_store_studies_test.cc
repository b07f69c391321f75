// TraceStore's endurance-study tables: round trips, validation, life cycle
// and crash marking.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::store {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string TempPath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/",
                      ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
}

EnduranceStudySpec Spec() { return {"d2nn", "model", 3, R"({"years": 10, "seed": 1})"}; }

EndurancePointRecord Point(const std::string& scheme, int t, int64_t correct) {
  EndurancePointRecord p;
  p.scheme = scheme;
  p.timepoint = t;
  p.label = t == 0 ? "ZERO" : absl::StrCat("T", t);
  p.cum_days = 1.5 * t;
  p.correct = correct;
  p.total = 100;
  p.high_path = 7;
  p.mask_chip = t % 3;
  p.mask_stuck_bits = t;
  p.stuck_bits_per_chip = {t, 2 * t, 0};
  return p;
}

void ExpectSamePoint(const EndurancePointRecord& a, const EndurancePointRecord& b) {
  EXPECT_EQ(a.scheme, b.scheme);
  EXPECT_EQ(a.timepoint, b.timepoint);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.cum_days, b.cum_days);
  EXPECT_EQ(a.correct, b.correct);
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.high_path, b.high_path);
  EXPECT_EQ(a.mask_chip, b.mask_chip);
  EXPECT_EQ(a.mask_stuck_bits, b.mask_stuck_bits);
  EXPECT_EQ(a.stuck_bits_per_chip, b.stuck_bits_per_chip);
}

TEST(EnduranceStudyStoreTest, PointsAndSummaryRoundTrip) {
  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(TempPath()));
  ASSERT_OK_AND_ASSIGN(const int64_t id, store->StartEnduranceStudy(Spec()));
  const std::vector<EndurancePointRecord> nr = {Point("NR", 0, 97), Point("NR", 1, 60)};
  const std::vector<EndurancePointRecord> de = {Point("DE", 0, 97), Point("DE", 1, 95)};
  ASSERT_OK(store->AppendEndurancePoints(id, nr));
  ASSERT_OK(store->AppendEndurancePoints(id, de));
  ASSERT_OK_AND_ASSIGN(EnduranceStudyRecord running, store->GetEnduranceStudy(id));
  EXPECT_EQ(running.status, RunStatus::kRunning);
  EXPECT_FALSE(running.clean_accuracy_pct.has_value());
  EXPECT_EQ(running.owner_pid, getpid());

  EnduranceSummary summary;
  summary.clean_accuracy_pct = 97;
  summary.clean_correct = 97;
  summary.clean_total = 100;
  summary.nr_lifetime_days = 0;
  summary.de_lifetime_days = 1.5;
  summary.summary_json = R"({"lifetime_gain_text": "unbounded"})";
  ASSERT_OK(store->FinishEnduranceStudy(id, RunStatus::kComplete, "", &summary));

  ASSERT_OK_AND_ASSIGN(EnduranceStudyRecord done, store->GetEnduranceStudy(id));
  EXPECT_EQ(done.status, RunStatus::kComplete);
  EXPECT_EQ(done.spec.workload, "d2nn");
  EXPECT_EQ(done.spec.source, "model");
  EXPECT_EQ(done.spec.chips, 3);
  EXPECT_EQ(done.spec.config_json, Spec().config_json);
  EXPECT_FALSE(done.finished_at.empty());
  EXPECT_EQ(done.clean_accuracy_pct, 97.0);
  EXPECT_EQ(done.clean_total, 100);
  EXPECT_EQ(done.de_lifetime_days, 1.5);
  EXPECT_FALSE(done.lifetime_gain.has_value());
  EXPECT_EQ(done.summary_json, summary.summary_json);

  ASSERT_OK_AND_ASSIGN(std::vector<EndurancePointRecord> got, store->GetEndurancePoints(id));
  ASSERT_THAT(got, SizeIs(4));
  ExpectSamePoint(got[0], nr[0]);
  ExpectSamePoint(got[1], nr[1]);
  ExpectSamePoint(got[2], de[0]);
  ExpectSamePoint(got[3], de[1]);

  // Derived columns are queryable and a finished study takes no more points.
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  ASSERT_OK(store->ScanTable(
      "endurance_points", std::nullopt,
      [&](absl::Span<const std::string> c) {
        columns.assign(c.begin(), c.end());
        return absl::OkStatus();
      },
      [&](absl::Span<const Cell> r) {
        rows.emplace_back(r.begin(), r.end());
        return absl::OkStatus();
      }));
  ASSERT_THAT(rows, SizeIs(4));
  const auto col = [&](const std::string& name) {
    return std::find(columns.begin(), columns.end(), name) - columns.begin();
  };
  EXPECT_EQ(std::get<double>(rows[1][col("accuracy_pct")]), 60.0);
  EXPECT_EQ(std::get<int64_t>(rows[1][col("stuck_bits_total")]), 3);
  EXPECT_EQ(std::get<std::string>(rows[1][col("stuck_bits_per_chip")]), "1,2,0");
  EXPECT_THAT(store->AppendEndurancePoints(id, {Point("NR", 2, 1)}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("'complete'")));
  EXPECT_THAT(store->ScanTable(
                  "endurance_points", int64_t{1}, [](auto) { return absl::OkStatus(); },
                  [](auto) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not the traces of a run")));
}

TEST(EnduranceStudyStoreTest, BadPointsAreRejectedWholeNamingTheValue) {
  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(TempPath()));
  ASSERT_OK_AND_ASSIGN(const int64_t id, store->StartEnduranceStudy(Spec()));
  EndurancePointRecord bad_chip = Point("NR", 1, 5);
  bad_chip.mask_chip = 3;
  EXPECT_THAT(store->AppendEndurancePoints(id, {Point("NR", 0, 5), bad_chip}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("point 1 of 2 for study 1: mask_chip = 3 is invalid: must be "
                                 "in [0, 3)")));
  EndurancePointRecord short_row = Point("DE", 0, 5);
  short_row.stuck_bits_per_chip = {1};
  EXPECT_THAT(store->AppendEndurancePoints(id, {short_row}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("stuck_bits_per_chip length = 1")));
  EXPECT_THAT(store->AppendEndurancePoints(id, {Point("XX", 0, 5)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scheme = 'XX'")));
  EXPECT_THAT(store->AppendEndurancePoints(id, {Point("NR", 0, 101)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("correct = 101")));
  EXPECT_THAT(store->GetEndurancePoints(id), IsOkAndHolds(IsEmpty()));

  ASSERT_OK(store->AppendEndurancePoints(id, {Point("NR", 0, 5)}));
  EXPECT_THAT(store->AppendEndurancePoints(id, {Point("NR", 1, 5), Point("NR", 0, 6)}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store->GetEndurancePoints(id), IsOkAndHolds(SizeIs(1)));

  EXPECT_THAT(store->StartEnduranceStudy({"d2nn", "model", 0, "{}"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chips = 0")));
  EXPECT_THAT(store->StartEnduranceStudy({"d2nn", "model", 2, "[1]"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")));
  EXPECT_THAT(store->GetEnduranceStudy(99),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("endurance study 99")));
  EXPECT_THAT(store->FinishEnduranceStudy(id, RunStatus::kRunning, "", nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(store->FinishEnduranceStudy(id, RunStatus::kFailed, "test set missing", nullptr));
  ASSERT_OK_AND_ASSIGN(EnduranceStudyRecord failed, store->GetEnduranceStudy(id));
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_EQ(failed.error, "test set missing");
  EXPECT_THAT(store->ListEnduranceStudies(10), IsOkAndHolds(SizeIs(1)));
}

TEST(EnduranceStudyStoreTest, ListsNewestFirst) {
  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(TempPath()));
  ASSERT_OK_AND_ASSIGN(const int64_t a, store->StartEnduranceStudy(Spec()));
  ASSERT_OK_AND_ASSIGN(const int64_t b, store->StartEnduranceStudy(Spec()));
  ASSERT_OK_AND_ASSIGN(std::vector<EnduranceStudyRecord> list, store->ListEnduranceStudies(10));
  ASSERT_THAT(list, SizeIs(2));
  EXPECT_EQ(list[0].id, b);
  EXPECT_EQ(list[1].id, a);
  EXPECT_THAT(store->ListEnduranceStudies(1), IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(store->ListEnduranceStudies(0), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A study whose process dies keeps its committed points and is marked
// 'incomplete' by the next Open().
TEST(EnduranceStudyStoreTest, InterruptedStudyKeepsItsPointsAndIsMarkedIncomplete) {
  const std::string path = TempPath();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = TraceStore::Open(path);
    if (!store.ok()) _exit(2);
    auto id = (*store)->StartEnduranceStudy(Spec());
    if (!id.ok()) _exit(2);
    if (!(*store)->AppendEndurancePoints(*id, {Point("NR", 0, 97), Point("NR", 1, 50)}).ok()) {
      _exit(2);
    }
    _exit(1);  // No FinishEnduranceStudy, no destructors.
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 1) << "child setup failed";

  ASSERT_OK_AND_ASSIGN(auto store, TraceStore::Open(path));
  ASSERT_OK_AND_ASSIGN(std::vector<EnduranceStudyRecord> list, store->ListEnduranceStudies(5));
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].status, RunStatus::kIncomplete);
  EXPECT_THAT(list[0].error, HasSubstr(absl::StrCat("owner process ", child)));
  ASSERT_OK_AND_ASSIGN(std::vector<EndurancePointRecord> points,
                       store->GetEndurancePoints(list[0].id));
  ASSERT_THAT(points, SizeIs(2));
  EXPECT_EQ(points[1].correct, 50);
}

}  // namespace
}  // namespace illusion::store
