// Accounting identities: the system energy is exactly the sum of its parts,
// sleep leakage covers every idle moment once, the sequential time is the
// sum of the wake-up windows and link transfers, and a run against itself
// has ratios of exactly 1.

#include "coordinator/accounting.h"

#include <vector>

#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "coordinator/experiment.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

ExperimentConfig PaperConfig(nn::Workload w, int chips, Schedule schedule, int inferences) {
  ExperimentConfig c;
  c.workload = w;
  c.chips = chips;
  c.schedule = schedule;
  c.inferences = inferences;
  return c;
}

// Sums every component of every chip in a different order than AccountRun.
double SumOfParts(const Account& a) {
  double active = 0, wake = 0, shut = 0, sleep = 0, dynamic = 0;
  for (const ChipAccount& c : a.chips) {
    active += c.active_j;
    wake += c.wakeup_j;
    shut += c.shutdown_j;
    sleep += c.sleep_j;
    dynamic += c.mac_j + c.nvm_read_j + c.nvm_write_j + c.link_j;
  }
  return active + wake + shut + sleep + dynamic;
}

class AccountingIdentityTest : public ::testing::TestWithParam<Schedule> {};

TEST_P(AccountingIdentityTest, EnergyIsTheSumOfItsPartsAndSleepCoversIdleTime) {
  ASSERT_OK_AND_ASSIGN(ExperimentResult r,
                       RunExperiment(PaperConfig(nn::Workload::kMnist, 8, GetParam(), 2)));
  for (const Account* a : {&r.report.run, &r.report.baseline}) {
    EXPECT_NEAR(a->energy_j, SumOfParts(*a), 1e-15);
    double total = 0;
    for (const ChipAccount& c : a->chips) total += c.total_j();
    EXPECT_DOUBLE_EQ(a->energy_j, total);
    EXPECT_DOUBLE_EQ(a->edp_js(), a->energy_j * a->time_ns * 1e-9);
  }
  const Account& a = r.report.run;
  ASSERT_EQ(a.chips.size(), 8u);
  const double sleep_w = r.model.sleep_power_w();
  for (const ChipAccount& c : a.chips) {
    SCOPED_TRACE(c.chip);
    EXPECT_EQ(c.wakeups, 2);
    EXPECT_EQ(c.busy_ns + c.sleep_ns, a.time_ns);
    // The chip's own kOff intervals plus the tail: each idle ns once.
    EXPECT_NEAR(c.sleep_j, sleep_w * c.sleep_ns * 1e-9, 1e-9 * c.sleep_j + 1e-18);
    EXPECT_GT(c.sleep_j, 0);
  }
  EXPECT_GT(r.report.energy_ratio, 1.0);
  // Overlapped, chips 2-5 run together and may beat the single chip.
  if (GetParam() == Schedule::kSequential) {
    EXPECT_GT(r.report.time_ratio, 1.0);
  }
  EXPECT_DOUBLE_EQ(r.report.edp_ratio, r.report.energy_ratio * r.report.time_ratio);
}

INSTANTIATE_TEST_SUITE_P(Schedules, AccountingIdentityTest,
                         ::testing::Values(Schedule::kSequential, Schedule::kOverlapped),
                         [](const auto& info) { return std::string(ScheduleName(info.param)); });

TEST(AccountingTest, SequentialTimeIsWindowsPlusLinkTransfers) {
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(PaperConfig(
                                               nn::Workload::kSvhn, 8, Schedule::kSequential, 2)));
  for (const RunRecord* run : {&r.run, &r.baseline_run}) {
    int64_t windows = 0, links = 0;
    for (const WakeUpRecord& w : run->wake_ups) {
      windows += w.end_ns - w.start_ns;
      int64_t from_intervals = 0;
      for (const chipd::PowerInterval& i : w.intervals) {
        if (i.state != chipd::PowerState::kOff) from_intervals += i.end_ns - i.start_ns;
      }
      EXPECT_EQ(from_intervals, w.end_ns - w.start_ns) << w.label;
    }
    for (const MessageRecord& m : run->messages) links += m.end_ns - m.start_ns;
    EXPECT_EQ(run->end_ns, windows + links);
  }
}

TEST(AccountingTest, IdealAgainstItselfHasRatiosOfExactlyOne) {
  for (nn::Workload w : {nn::Workload::kMnist, nn::Workload::kKwsLstm}) {
    ExperimentConfig c;
    c.workload = w;
    c.strategy = partitioner::Strategy::kIdeal;
    c.inferences = 2;
    ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
    ASSERT_EQ(r.partition.chips.size(), 1u);
    EXPECT_EQ(r.report.energy_ratio, 1.0);
    EXPECT_EQ(r.report.time_ratio, 1.0);
    EXPECT_EQ(r.report.edp_ratio, 1.0);
    // One chip, never idle between its windows except for link transfers.
    EXPECT_EQ(r.account.chips.size(), 1u);
  }
}

TEST(AccountingTest, ChipThatNeverWokeLeaksForTheWholeRun) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  RunRecord record;
  record.num_chips = 2;
  record.end_ns = 2'000'000;  // 2 ms
  WakeUpRecord w;
  w.chip = 0;
  w.label = "0";
  w.start_ns = 500'000;
  w.end_ns = 1'000'000;
  w.energy.sleep_j = model.sleep_power_w() * 500e-6;
  w.energy.active_j = 1e-6;
  w.intervals = {{chipd::PowerState::kOff, 0, 500'000, w.energy.sleep_j},
                 {chipd::PowerState::kActive, 500'000, 1'000'000, 1e-6}};
  record.wake_ups.push_back(w);
  ASSERT_OK_AND_ASSIGN(Account a, AccountRun(record, model));
  ASSERT_EQ(a.chips.size(), 2u);
  EXPECT_DOUBLE_EQ(a.chips[0].sleep_j, model.sleep_power_w() * 1.5e-3);
  EXPECT_EQ(a.chips[0].sleep_ns, 1'500'000);
  EXPECT_DOUBLE_EQ(a.chips[1].sleep_j, model.sleep_power_w() * 2e-3);
  EXPECT_EQ(a.chips[1].wakeups, 0);
  EXPECT_DOUBLE_EQ(a.energy_j, a.chips[0].total_j() + a.chips[1].total_j());

  record.wake_ups[0].chip = 5;
  EXPECT_THAT(AccountRun(record, model),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ran on chip 5")));
  record.wake_ups[0].chip = 0;
  record.wake_ups[0].end_ns = 3'000'000;
  EXPECT_THAT(AccountRun(record, model),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("after the run's end")));
}

TEST(AccountingTest, ReportRefusesAnEmptyOrMismatchedBaseline) {
  Account run;
  run.inferences = 1;
  run.energy_j = 1;
  run.time_ns = 1;
  EXPECT_THAT(MakeReport(run, Account{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be positive")));
  Account base = run;
  base.inferences = 2;
  EXPECT_THAT(MakeReport(run, base),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("baseline has 2")));
}

}  // namespace
}  // namespace illusion::coordinator
