// RunExperiment over real chipd processes: the paper's SVHN 8-chip system
// (and its 1-chip baseline, on a daemon grown by Reset) gives exactly the
// words and classes of the in-process fleet, with loopback processes per
// experiment or with long-running daemons reused through GrpcFleetFactory;
// a chip killed mid-run ends the run promptly with Unavailable naming it.

#include "coordinator/backends/fleet_factories.h"

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "coordinator/backends/loopback_fleet.h"
#include "coordinator/experiment.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

ExperimentConfig SvhnEightChip() {
  ExperimentConfig c;
  c.workload = nn::Workload::kSvhn;
  c.chips = 8;
  c.weight_seed = 5;
  c.input_seed = 6;
  c.inferences = 3;
  return c;
}

void ExpectSameRun(const RunRecord& a, const RunRecord& b) {
  ASSERT_EQ(a.inferences.size(), b.inferences.size());
  for (size_t i = 0; i < a.inferences.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("inference ", i));
    EXPECT_EQ(a.inferences[i].class_id, b.inferences[i].class_id);
    EXPECT_GE(a.inferences[i].class_id, 0);
    ASSERT_EQ(a.inferences[i].chips.size(), b.inferences[i].chips.size());
    for (size_t k = 0; k < a.inferences[i].chips.size(); ++k) {
      const partitioner::ChipRun& x = a.inferences[i].chips[k];
      const partitioner::ChipRun& y = b.inferences[i].chips[k];
      EXPECT_EQ(x.label, y.label);
      EXPECT_EQ(x.chip, y.chip);
      EXPECT_EQ(x.in, y.in) << "wake-up " << x.label;
      EXPECT_EQ(x.out, y.out) << "wake-up " << x.label;
    }
  }
  EXPECT_EQ(a.end_ns, b.end_ns);
}

TEST(FleetFactoriesTest, LoopbackSvhnEightChipMatchesInProcess) {
  ExperimentConfig config = SvhnEightChip();
  ASSERT_OK_AND_ASSIGN(ExperimentResult in_process, RunExperiment(config));
  config.fleet_factory = LoopbackFleetFactory();
  config.baseline_fleet_factory = LoopbackFleetFactory();
  ASSERT_OK_AND_ASSIGN(ExperimentResult loopback, RunExperiment(config));
  {
    SCOPED_TRACE("run");
    ExpectSameRun(loopback.run, in_process.run);
  }
  {
    SCOPED_TRACE("baseline");
    ExpectSameRun(loopback.baseline_run, in_process.baseline_run);
  }
  EXPECT_EQ(loopback.run.inferences.size(), 3u);
  EXPECT_EQ(loopback.report.energy_ratio, in_process.report.energy_ratio);
  EXPECT_EQ(loopback.report.time_ratio, in_process.report.time_ratio);
}

TEST(FleetFactoriesTest, RunningDaemonsAreResetAndReusedForRunAndBaseline) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LoopbackFleet> daemons, LoopbackFleet::Start(8));
  ExperimentConfig config = SvhnEightChip();
  config.inferences = 2;
  ASSERT_OK_AND_ASSIGN(ExperimentResult in_process, RunExperiment(config));
  // The same daemons twice: the baseline reuses chip 0, grown by Reset to
  // hold the whole network.
  config.fleet_factory = GrpcFleetFactory(daemons->addresses());
  config.baseline_fleet_factory = GrpcFleetFactory(daemons->addresses());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    ASSERT_OK_AND_ASSIGN(ExperimentResult reused, RunExperiment(config));
    ExpectSameRun(reused.run, in_process.run);
    ExpectSameRun(reused.baseline_run, in_process.baseline_run);
  }
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipInfo chip0, daemons->GetInfo(0));
  EXPECT_EQ(chip0.model().weight_nvm_bytes(), in_process.baseline_model.weight_nvm_bytes());
  EXPECT_GT(chip0.model().weight_nvm_bytes(), 4096);

  config.chips = 8;
  config.fleet_factory = GrpcFleetFactory({daemons->addresses()[0]});
  EXPECT_THAT(RunExperiment(config),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("needs 8 chips"), HasSubstr("has 1 endpoints"))));
}

// Kills one chipd after the first wake-up of inference 1.
class KillingObserver : public ExperimentObserver, public RunObserver {
 public:
  explicit KillingObserver(int victim) : victim_(victim) {}
  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition&,
                          const illusion::v1::ChipModel&, const ChipFleet& fleet) override {
    const auto* loopback = dynamic_cast<const LoopbackFleet*>(&fleet);
    if (loopback == nullptr) return absl::InternalError("not a loopback fleet");
    pid_ = loopback->pids()[victim_];
    description_ = loopback->Describe(victim_);
    return absl::OkStatus();
  }
  RunObserver* RunObserverFor(RunPhase phase) override { return this; }
  absl::Status OnWakeUp(const RunRecord& record) override {
    if (!killed_ && record.wake_ups.back().inference == 1) {
      kill(pid_, SIGKILL);
      killed_ = true;
      killed_at_ = std::chrono::steady_clock::now();
    }
    return absl::OkStatus();
  }
  void OnRunEnd(RunPhase, const absl::Status& status, const RunRecord& record,
                const Account*) override {
    completed_ = static_cast<int>(record.inferences.size());
  }

  const int victim_;
  pid_t pid_ = 0;
  std::string description_;
  bool killed_ = false;
  std::chrono::steady_clock::time_point killed_at_;
  int completed_ = -1;
};

TEST(FleetFactoriesTest, AChipKilledMidRunIsUnavailableNamingItPromptly) {
  ExperimentConfig config = SvhnEightChip();
  config.run_baseline = false;
  config.fleet_factory = LoopbackFleetFactory();
  KillingObserver observer(/*victim=*/5);
  config.observer = &observer;
  const absl::StatusOr<ExperimentResult> result = RunExperiment(config);
  ASSERT_TRUE(observer.killed_);
  const auto detected = std::chrono::steady_clock::now() - observer.killed_at_;
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable,
                               AllOf(HasSubstr("inference 1"),
                                     HasSubstr(observer.description_ + " is unreachable"),
                                     HasSubstr("(chip 5)"))));
  EXPECT_LT(detected, std::chrono::seconds(3));
  EXPECT_EQ(observer.completed_, 1);
}

}  // namespace
}  // namespace illusion::coordinator
