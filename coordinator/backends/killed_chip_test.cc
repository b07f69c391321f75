// A chipd process killed between two inferences of a recorded 4-inference
// SVHN 8-chip run over loopback chipd processes: RunExperiment fails with
// Unavailable naming that chip, and what ran before the kill is kept, both
// in the RunRecord the observer gets (the completed inferences are exactly
// the in-process ones) and in the trace store (StoreRecorder: the run is
// 'failed' with the error text, and every message that was routed, the
// completed inferences' ones included, is stored).

#include <signal.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "coordinator/backends/fleet_factories.h"
#include "coordinator/backends/loopback_fleet.h"
#include "coordinator/experiment.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/recording/store_recorder.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kVictim = 5;
constexpr int kInferences = 4;
// The chip dies once this many inferences have completed.
constexpr int kKillAfter = 2;

ExperimentConfig SvhnEightChip() {
  ExperimentConfig c;
  c.workload = nn::Workload::kSvhn;
  c.chips = 8;
  c.weight_seed = 5;
  c.input_seed = 6;
  c.inferences = kInferences;
  c.run_baseline = false;
  return c;
}

// Forwards everything to the recorder and SIGKILLs chip kVictim's chipd
// right after inference kKillAfter - 1 completed (and was recorded). Keeps
// the status and record of the run's end.
class KillBetweenInferences : public ExperimentObserver, public RunObserver {
 public:
  explicit KillBetweenInferences(ExperimentObserver* recorder) : recorder_(recorder) {}

  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet) override {
    const auto* loopback = dynamic_cast<const LoopbackFleet*>(&fleet);
    if (loopback == nullptr) return absl::InternalError("not a loopback fleet");
    pid_ = loopback->pids()[kVictim];
    description_ = loopback->Describe(kVictim);
    return recorder_->OnRunStart(phase, partition, model, fleet);
  }
  RunObserver* RunObserverFor(RunPhase phase) override {
    inner_ = recorder_->RunObserverFor(phase);
    return this;
  }
  absl::Status OnWakeUp(const RunRecord& record) override {
    return inner_ == nullptr ? absl::OkStatus() : inner_->OnWakeUp(record);
  }
  absl::Status OnInference(const RunRecord& record) override {
    if (inner_ != nullptr) {
      if (absl::Status s = inner_->OnInference(record); !s.ok()) return s;
    }
    if (!killed_ && static_cast<int>(record.inferences.size()) == kKillAfter) {
      kill(pid_, SIGKILL);
      killed_ = true;
    }
    return absl::OkStatus();
  }
  void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                const Account* account) override {
    end_status_ = status;
    end_record_ = record;
    recorder_->OnRunEnd(phase, status, record, account);
  }

  ExperimentObserver* const recorder_;
  RunObserver* inner_ = nullptr;
  pid_t pid_ = 0;
  std::string description_;
  bool killed_ = false;
  absl::Status end_status_;
  RunRecord end_record_;
};

std::map<int, int> MessagesPerInference(const RunRecord& record) {
  std::map<int, int> count;
  for (const MessageRecord& m : record.messages) ++count[m.inference];
  return count;
}

TEST(KilledChipTest, TheRunFailsNamingTheChipAndKeepsTheEarlierInferences) {
  ExperimentConfig config = SvhnEightChip();
  ASSERT_OK_AND_ASSIGN(ExperimentResult reference, RunExperiment(config));
  ASSERT_EQ(reference.run.inferences.size(), static_cast<size_t>(kInferences));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> store,
                       store::TraceStore::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, store->CreateExperiment("svhn killed chip", "{}"));
  StoreRecorderOptions options = RecorderOptionsFor(config);
  options.backend = "grpc";
  StoreRecorder recorder(store.get(), experiment, options);
  KillBetweenInferences observer(&recorder);
  config.observer = &observer;
  config.fleet_factory = LoopbackFleetFactory();
  const absl::StatusOr<ExperimentResult> result = RunExperiment(config);

  // The run fails at the next inference, naming the dead chip.
  ASSERT_TRUE(observer.killed_);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable,
                               AllOf(HasSubstr(absl::StrCat("inference ", kKillAfter)),
                                     HasSubstr(observer.description_ + " is unreachable"),
                                     HasSubstr(absl::StrCat("(chip ", kVictim, ")")))));
  EXPECT_EQ(observer.end_status_, result.status());

  // The inferences before the kill are kept, word for word the in-process
  // ones; the failed inference ran no wake-up on the dead chip.
  const RunRecord& kept = observer.end_record_;
  ASSERT_EQ(kept.inferences.size(), static_cast<size_t>(kKillAfter));
  for (int i = 0; i < kKillAfter; ++i) {
    SCOPED_TRACE(absl::StrCat("inference ", i));
    const InferenceRecord& got = kept.inferences[i];
    const InferenceRecord& want = reference.run.inferences[i];
    EXPECT_EQ(got.class_id, want.class_id);
    EXPECT_EQ(got.start_ns, want.start_ns);
    EXPECT_EQ(got.end_ns, want.end_ns);
    ASSERT_EQ(got.chips.size(), want.chips.size());
    for (size_t k = 0; k < got.chips.size(); ++k) {
      EXPECT_EQ(got.chips[k].in, want.chips[k].in) << "wake-up " << want.chips[k].label;
      EXPECT_EQ(got.chips[k].out, want.chips[k].out) << "wake-up " << want.chips[k].label;
    }
  }
  ASSERT_LT(kept.wake_ups.size(), reference.run.wake_ups.size());
  for (size_t w = 0; w < kept.wake_ups.size(); ++w) {
    SCOPED_TRACE(absl::StrCat("wake-up ", w));
    const WakeUpRecord& got = kept.wake_ups[w];
    const WakeUpRecord& want = reference.run.wake_ups[w];
    EXPECT_EQ(got.inference, want.inference);
    EXPECT_EQ(got.chip, want.chip);
    EXPECT_EQ(got.start_ns, want.start_ns);
    EXPECT_EQ(got.end_ns, want.end_ns);
    EXPECT_FALSE(got.inference == kKillAfter && got.chip == kVictim);
  }
  EXPECT_GE(kept.wake_ups.size(), kKillAfter * reference.run.wake_ups.size() / kInferences);

  // The store has the run as failed with the error, its chips, and every
  // message routed before the failure (the completed inferences' all).
  ASSERT_GT(recorder.run_id(), 0);
  EXPECT_OK(recorder.status());
  ASSERT_OK_AND_ASSIGN(store::RunRecord run, store->GetRun(recorder.run_id()));
  EXPECT_EQ(run.status, store::RunStatus::kFailed);
  EXPECT_THAT(run.error, AllOf(HasSubstr(observer.description_), HasSubstr("unreachable")));
  ASSERT_OK_AND_ASSIGN(std::vector<store::ChipRecord> chips, store->GetChips(recorder.run_id()));
  ASSERT_EQ(chips.size(), 8u);
  EXPECT_THAT(observer.description_, HasSubstr(chips[kVictim].endpoint));
  ASSERT_OK_AND_ASSIGN(std::vector<store::MessageRecord> stored,
                       store->GetMessages(recorder.run_id()));
  EXPECT_EQ(stored.size(), kept.messages.size());
  std::map<int, int> stored_per_inference;
  for (const store::MessageRecord& m : stored) ++stored_per_inference[m.inference];
  const std::map<int, int> want_per_inference = MessagesPerInference(reference.run);
  for (int i = 0; i < kKillAfter; ++i) {
    EXPECT_GT(stored_per_inference[i], 0) << "inference " << i;
    EXPECT_EQ(stored_per_inference[i], want_per_inference.at(i)) << "inference " << i;
  }
  EXPECT_LT(stored_per_inference[kKillAfter], want_per_inference.at(kKillAfter));
}

}  // namespace
}  // namespace illusion::coordinator
