// StoreRecorder on real experiments (in-process fleets, seeded weights)
// writing into a file-backed trace store.

#include "coordinator/recording/store_recorder.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "coordinator/accounting.h"
#include "coordinator/chip_fleet.h"
#include "coordinator/experiment.h"
#include "coordinator/in_process_fleet.h"
#include "coordinator/recording/report_json.h"
#include "coordinator/run_record.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A fresh store file for the current test.
std::string TempStorePath(absl::string_view suffix = "") {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/store_recorder_test_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name(), suffix, ".db");
  for (const char* ext : {"", "-wal", "-shm"}) std::remove((path + ext).c_str());
  return path;
}

struct Counts {
  size_t intervals = 0;
  size_t messages = 0;
  size_t steps = 0;
};

// What `record` holds, for inference `inference` only or all (-1).
Counts CountsOf(const RunRecord& record, int inference = -1) {
  Counts c;
  for (const WakeUpRecord& w : record.wake_ups) {
    if (inference >= 0 && w.inference != inference) continue;
    c.intervals += w.intervals.size();
    c.steps += w.steps.size();
  }
  for (const MessageRecord& m : record.messages) {
    if (inference < 0 || m.inference == inference) ++c.messages;
  }
  return c;
}

// What the store holds for run `run_id`, same filter.
Counts StoredCounts(store::TraceStore& s, int64_t run_id, int inference = -1) {
  Counts c;
  absl::StatusOr<std::vector<store::PowerIntervalRecord>> intervals = s.GetPowerIntervals(run_id);
  absl::StatusOr<std::vector<store::MessageRecord>> messages = s.GetMessages(run_id);
  absl::StatusOr<std::vector<store::LayerExecutionRecord>> steps = s.GetLayerExecutions(run_id);
  EXPECT_OK(intervals.status());
  EXPECT_OK(messages.status());
  EXPECT_OK(steps.status());
  if (!intervals.ok() || !messages.ok() || !steps.ok()) return c;
  for (const auto& r : *intervals) c.intervals += inference < 0 || r.inference == inference;
  for (const auto& r : *messages) c.messages += inference < 0 || r.inference == inference;
  for (const auto& r : *steps) c.steps += inference < 0 || r.inference == inference;
  return c;
}

void ExpectCounts(const Counts& stored, const Counts& expected) {
  EXPECT_EQ(stored.intervals, expected.intervals);
  EXPECT_EQ(stored.messages, expected.messages);
  EXPECT_EQ(stored.steps, expected.steps);
}

struct Case {
  std::string name;
  nn::Workload workload;
  partitioner::Strategy strategy;
  Schedule schedule;
};

class StoreRecorderRunTest : public ::testing::TestWithParam<Case> {};

TEST_P(StoreRecorderRunTest, StoresBothPhasesRowForRowWithTheirReports) {
  const Case& c = GetParam();
  const std::string path = TempStorePath(c.name);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(path));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment(c.name, "{\"k\": 2}"));

  ExperimentConfig config;
  config.workload = c.workload;
  config.strategy = c.strategy;
  config.schedule = c.schedule;
  config.memsize_bytes = 8192;
  config.inferences = 2;
  StoreRecorder recorder(s.get(), experiment, RecorderOptionsFor(config));
  config.observer = &recorder;
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(config));
  ASSERT_OK(recorder.status());
  ASSERT_GT(recorder.run_id(), 0);
  ASSERT_GT(recorder.baseline_run_id(), 0);
  ASSERT_NE(recorder.run_id(), recorder.baseline_run_id());

  // Read back through a second connection to the file, as illusionctl would.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> reader, store::TraceStore::Open(path));
  const struct {
    int64_t id;
    const RunRecord& record;
    const partitioner::Partition& partition;
    const illusion::v1::ChipModel& model;
    std::string strategy;
    std::string phase;
  } phases[] = {
      {recorder.run_id(), r.run, r.partition, r.model,
       std::string(partitioner::StrategyName(r.partition.strategy)), "run"},
      {recorder.baseline_run_id(), r.baseline_run, r.baseline_partition, r.baseline_model,
       std::string(partitioner::StrategyName(r.baseline_partition.strategy)), "baseline"},
  };
  for (const auto& p : phases) {
    SCOPED_TRACE(p.strategy);
    ASSERT_OK_AND_ASSIGN(store::RunRecord run, reader->GetRun(p.id));
    EXPECT_EQ(run.status, store::RunStatus::kComplete);
    EXPECT_EQ(run.error, "");
    EXPECT_EQ(run.spec.experiment_id, experiment);
    EXPECT_EQ(run.spec.strategy, p.strategy);
    EXPECT_EQ(run.spec.phase, p.phase);
    EXPECT_EQ(run.spec.backend, "in_process");
    EXPECT_EQ(run.spec.schedule, ScheduleName(c.schedule));
    EXPECT_EQ(run.spec.chip_count, p.record.num_chips);

    ASSERT_OK_AND_ASSIGN(std::vector<store::ChipRecord> chips, reader->GetChips(p.id));
    ASSERT_EQ(static_cast<int>(chips.size()), p.record.num_chips);
    EXPECT_EQ(chips[0].model, p.model.name());
    EXPECT_EQ(chips[0].endpoint, "in-process chip 0");
    ASSERT_OK_AND_ASSIGN(std::vector<store::SliceRecord> slices, reader->GetSlices(p.id));
    ASSERT_EQ(slices.size(), p.partition.chips.size());
    for (size_t w = 0; w < slices.size(); ++w) {
      EXPECT_EQ(slices[w].label, p.partition.chips[w].label);
      EXPECT_EQ(slices[w].chip, p.partition.chips[w].chip);
      EXPECT_EQ(slices[w].weight_bytes, p.partition.chips[w].weight_bytes);
      EXPECT_GT(slices[w].activation_peak_bytes, 0);
      EXPECT_LE(slices[w].activation_peak_bytes, p.model.activation_sram_bytes());
      EXPECT_THAT(slices[w].ops_json, StartsWith("[{\"kind\":"));
    }

    ExpectCounts(StoredCounts(*reader, p.id), CountsOf(p.record));
    for (int i = 0; i < 2; ++i) {
      SCOPED_TRACE(absl::StrCat("inference ", i));
      ExpectCounts(StoredCounts(*reader, p.id, i), CountsOf(p.record, i));
    }
  }

  // The main run holds the experiment report, the baseline its account.
  ASSERT_OK_AND_ASSIGN(std::string json, reader->GetReport(recorder.run_id()));
  ASSERT_OK_AND_ASSIGN(ReportDocument doc, ParseReportDocument(json));
  EXPECT_EQ(doc.kind, ReportKind::kReport);
  EXPECT_EQ(doc.phase, "run");
  EXPECT_EQ(doc.baseline_run_id, recorder.baseline_run_id());
  EXPECT_EQ(doc.report.energy_ratio, r.report.energy_ratio);
  EXPECT_EQ(doc.report.time_ratio, r.report.time_ratio);
  EXPECT_EQ(doc.report.edp_ratio, r.report.edp_ratio);
  EXPECT_EQ(doc.report.run.energy_j, r.account.energy_j);
  EXPECT_EQ(doc.run_timelines.size(), r.account.chips.size());
  EXPECT_EQ(doc.baseline_timelines.size(), r.report.baseline.chips.size());
  ASSERT_OK_AND_ASSIGN(json, reader->GetReport(recorder.baseline_run_id()));
  ASSERT_OK_AND_ASSIGN(doc, ParseReportDocument(json));
  EXPECT_EQ(doc.kind, ReportKind::kAccount);
  EXPECT_EQ(doc.phase, "baseline");
  EXPECT_EQ(doc.report.run.energy_j, r.report.baseline.energy_j);
  EXPECT_EQ(doc.report.run.time_ns, r.report.baseline.time_ns);

  // Storing the caller's report again gives the same document.
  ASSERT_OK_AND_ASSIGN(const std::string before, reader->GetReport(recorder.run_id()));
  ASSERT_OK(recorder.PutExperimentReport(r.report));
  ASSERT_OK_AND_ASSIGN(const std::string after, reader->GetReport(recorder.run_id()));
  EXPECT_EQ(after, before);
}

INSTANTIATE_TEST_SUITE_P(
    Experiments, StoreRecorderRunTest,
    ::testing::Values(Case{"mnist_paper", nn::Workload::kMnist, partitioner::Strategy::kPaper,
                           Schedule::kSequential},
                      Case{"svhn_paper_overlapped", nn::Workload::kSvhn,
                           partitioner::Strategy::kPaper, Schedule::kOverlapped},
                      Case{"d2nn_greedy", nn::Workload::kD2nn, partitioner::Strategy::kGreedy,
                           Schedule::kSequential}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(StoreRecorderTest, RowsAreInTheStoresUnits) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment("mnist", "{}"));
  ExperimentConfig config;
  config.inferences = 2;
  StoreRecorder recorder(s.get(), experiment);
  config.observer = &recorder;
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(config));

  ASSERT_OK_AND_ASSIGN(std::vector<store::PowerIntervalRecord> intervals,
                       s->GetPowerIntervals(recorder.run_id()));
  std::vector<chipd::PowerInterval> all;
  for (const WakeUpRecord& w : r.run.wake_ups)
    all.insert(all.end(), w.intervals.begin(), w.intervals.end());
  ASSERT_EQ(intervals.size(), all.size());
  std::map<std::string, int> states;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_DOUBLE_EQ(intervals[i].start_s, all[i].start_ns * 1e-9);
    EXPECT_DOUBLE_EQ(intervals[i].end_s, all[i].end_ns * 1e-9);
    EXPECT_EQ(intervals[i].energy_j, all[i].energy_j);
    ++states[intervals[i].state];
  }
  EXPECT_EQ(states.size(), 4u);
  EXPECT_EQ(states["wake_up"], 16);  // 8 wake-ups x 2 inferences
  EXPECT_EQ(states["active"], 16);
  EXPECT_EQ(states["shut_down"], 16);
  EXPECT_GT(states["sleep"], 0);

  ASSERT_OK_AND_ASSIGN(std::vector<store::MessageRecord> messages,
                       s->GetMessages(recorder.run_id()));
  ASSERT_EQ(messages.size(), r.run.messages.size());
  for (size_t m = 0; m < messages.size(); ++m) {
    const MessageRecord& want = r.run.messages[m];
    EXPECT_EQ(messages[m].seq, want.seq);
    EXPECT_EQ(messages[m].source, want.source_chip);
    EXPECT_EQ(messages[m].destination, want.destination_chip);
    EXPECT_EQ(messages[m].words, want.words);
    EXPECT_EQ(messages[m].bytes, 2 * want.words);
    EXPECT_DOUBLE_EQ(messages[m].start_s, want.start_ns * 1e-9);
    EXPECT_EQ(messages[m].energy_j, want.link_j);
  }
  EXPECT_EQ(messages.front().source, store::MessageRecord::kCoordinator);  // the input

  // Steps lie in order inside their wake-up's active interval.
  ASSERT_OK_AND_ASSIGN(std::vector<store::LayerExecutionRecord> steps,
                       s->GetLayerExecutions(recorder.run_id()));
  size_t row = 0;
  for (const WakeUpRecord& w : r.run.wake_ups) {
    const chipd::PowerInterval* active = nullptr;
    for (const chipd::PowerInterval& i : w.intervals) {
      if (i.state == chipd::PowerState::kActive) active = &i;
    }
    ASSERT_NE(active, nullptr);
    double previous_end = active->start_ns * 1e-9;
    for (const chipd::StepExecution& step : w.steps) {
      ASSERT_LT(row, steps.size());
      const store::LayerExecutionRecord& e = steps[row++];
      EXPECT_EQ(e.chip, w.chip);
      EXPECT_EQ(e.inference, w.inference);
      EXPECT_EQ(e.op, step.op);
      EXPECT_EQ(e.out_begin, step.out_begin);
      EXPECT_EQ(e.out_end, step.out_end);
      EXPECT_EQ(e.cycles, std::llround(step.cycles));
      EXPECT_GE(e.start_s, previous_end - 1e-12);
      EXPECT_GE(e.end_s, e.start_s);
      EXPECT_LE(e.end_s, active->end_ns * 1e-9 + 1e-12);
      EXPECT_DOUBLE_EQ(e.energy_j, r.model.active_power_w() * step.cycles / r.model.clock_hz() +
                                       r.model.mac_energy_j() * step.macs);
      previous_end = e.end_s;
    }
  }
  EXPECT_EQ(row, steps.size());
}

// Forwards to an in-process fleet; Execute call number `fail_at` (0-based)
// fails as an unreachable chip would.
class FailingFleet : public ChipFleet {
 public:
  FailingFleet(std::unique_ptr<ChipFleet> inner, int fail_at)
      : inner_(std::move(inner)), fail_at_(fail_at) {}
  int size() const override { return inner_->size(); }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override {
    return inner_->LoadSlice(chip, std::move(bundle));
  }
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override {
    if (calls_++ == fail_at_) {
      return absl::UnavailableError(absl::StrCat("chip ", chip, " stopped answering"));
    }
    return inner_->Execute(chip, request);
  }
  std::string Describe(int chip) const override { return inner_->Describe(chip); }

 private:
  std::unique_ptr<ChipFleet> inner_;
  const int fail_at_;
  int calls_ = 0;
};

// Passes everything on to a StoreRecorder and keeps the records it saw.
class Tee : public ExperimentObserver {
 public:
  explicit Tee(StoreRecorder* recorder) : recorder_(recorder) {}
  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet) override {
    return recorder_->OnRunStart(phase, partition, model, fleet);
  }
  RunObserver* RunObserverFor(RunPhase phase) override { return recorder_->RunObserverFor(phase); }
  void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                const Account* account) override {
    records_[phase] = record;
    recorder_->OnRunEnd(phase, status, record, account);
  }
  const RunRecord& record(RunPhase phase) { return records_[phase]; }

 private:
  StoreRecorder* const recorder_;
  std::map<RunPhase, RunRecord> records_;
};

TEST(StoreRecorderTest, FailedRunIsMarkedFailedAndKeepsEarlierInferences) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s,
                       store::TraceStore::Open(TempStorePath()));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment("mnist", "{}"));
  StoreRecorder recorder(s.get(), experiment);
  Tee tee(&recorder);
  ExperimentConfig config;
  config.inferences = 2;
  config.observer = &tee;
  // Inference 0 runs 8 wake-ups; the 11th Execute is wake-up 2 of inference 1.
  config.fleet_factory =
      [](int chips,
         const illusion::v1::ChipModel& model) -> absl::StatusOr<std::unique_ptr<ChipFleet>> {
    absl::StatusOr<std::unique_ptr<ChipFleet>> inner = InProcessFleetFactory()(chips, model);
    if (!inner.ok()) return inner.status();
    return std::unique_ptr<ChipFleet>(new FailingFleet(*std::move(inner), 10));
  };
  EXPECT_THAT(RunExperiment(config),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("chip 2 stopped answering")));
  EXPECT_OK(recorder.status());  // the store did its job
  EXPECT_EQ(recorder.baseline_run_id(), 0);

  ASSERT_OK_AND_ASSIGN(store::RunRecord run, s->GetRun(recorder.run_id()));
  EXPECT_EQ(run.status, store::RunStatus::kFailed);
  EXPECT_THAT(run.error, HasSubstr("UNAVAILABLE: inference 1"));
  EXPECT_THAT(run.error, HasSubstr("chip 2 stopped answering"));
  const RunRecord& record = tee.record(RunPhase::kRun);
  ASSERT_EQ(record.inferences.size(), 1u);
  ExpectCounts(StoredCounts(*s, recorder.run_id(), 0), CountsOf(record, 0));
  EXPECT_GT(StoredCounts(*s, recorder.run_id(), 0).steps, 0u);
  // The two wake-ups of inference 1 that ran are there too.
  ExpectCounts(StoredCounts(*s, recorder.run_id(), 1), CountsOf(record, 1));
  EXPECT_GT(CountsOf(record, 1).intervals, 0u);
  EXPECT_THAT(s->GetReport(recorder.run_id()), StatusIs(absl::StatusCode::kNotFound));
}

// Stops the run in the store behind the recorder's back before forwarding
// inference 0's flush, as `illusionctl` marking it incomplete would.
class StopInStore : public ExperimentObserver, public RunObserver {
 public:
  StopInStore(store::TraceStore* store, StoreRecorder* recorder)
      : store_(store), recorder_(recorder) {}
  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet) override {
    return recorder_->OnRunStart(phase, partition, model, fleet);
  }
  RunObserver* RunObserverFor(RunPhase phase) override { return this; }
  absl::Status OnInference(const RunRecord& record) override {
    (void)store_->FinishRun(recorder_->run_id(), store::RunStatus::kIncomplete, "stopped");
    return recorder_->RunObserverFor(RunPhase::kRun)->OnInference(record);
  }
  void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                const Account* account) override {
    recorder_->OnRunEnd(phase, status, record, account);
  }

 private:
  store::TraceStore* const store_;
  StoreRecorder* const recorder_;
};

TEST(StoreRecorderTest, StoreWriteErrorAbortsTheExperiment) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment("mnist", "{}"));
  StoreRecorder recorder(s.get(), experiment);
  StopInStore observer(s.get(), &recorder);
  ExperimentConfig config;
  config.inferences = 2;
  config.observer = &observer;
  const absl::Status status = RunExperiment(config).status();
  EXPECT_THAT(
      status,
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat("trace store: run ", recorder.run_id(), ": appending"))));
  EXPECT_THAT(status.message(), HasSubstr("'incomplete'"));
  EXPECT_EQ(recorder.status(), status);
  EXPECT_EQ(recorder.baseline_run_id(), 0);
  ASSERT_OK_AND_ASSIGN(store::RunRecord run, s->GetRun(recorder.run_id()));
  EXPECT_EQ(run.status, store::RunStatus::kIncomplete);  // left as the operator set it
  ExpectCounts(StoredCounts(*s, recorder.run_id()), Counts{});
}

TEST(StoreRecorderTest, UnknownExperimentAbortsAtTheStart) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(":memory:"));
  StoreRecorder recorder(s.get(), 999);
  ExperimentConfig config;
  config.observer = &recorder;
  EXPECT_THAT(RunExperiment(config).status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("trace store: starting the run of experiment 999: experiment "
                                 "999 not found")));
  EXPECT_EQ(recorder.run_id(), 0);
  EXPECT_THAT(recorder.PutExperimentReport(Report{}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has not started")));
}

TEST(StoreRecorderTest, OneRecorderRecordsOneExperiment) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment("mnist", "{}"));
  StoreRecorder recorder(s.get(), experiment);
  ExperimentConfig config;
  config.observer = &recorder;
  ASSERT_OK(RunExperiment(config).status());
  EXPECT_THAT(RunExperiment(config).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("already recorded the run phase (run ",
                                              recorder.run_id(), ")"))));
}

TEST(StoreRecorderTest, NeedsAGraphForPartitionsOfOtherGraphs) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::TraceStore> s, store::TraceStore::Open(":memory:"));
  ASSERT_OK_AND_ASSIGN(int64_t experiment, s->CreateExperiment("x", "{}"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InProcessFleet> fleet,
                       InProcessFleet::Create(1, *chipd::LoadChipModel("msp430_rram")));
  partitioner::Partition p;
  p.graph_name = "resnet50";
  p.chips.resize(1);
  StoreRecorder recorder(s.get(), experiment);
  EXPECT_THAT(recorder.OnRunStart(RunPhase::kRun, p, illusion::v1::ChipModel(), *fleet),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("partition of graph 'resnet50' is not of a workload; pass "
                                 "StoreRecorderOptions::graph")));
  EXPECT_EQ(recorder.run_id(), 0);  // nothing started
}

TEST(StoreRecorderTest, StateNames) {
  EXPECT_EQ(StoreStateName(chipd::PowerState::kOff), "sleep");
  EXPECT_EQ(StoreStateName(chipd::PowerState::kWaking), "wake_up");
  EXPECT_EQ(StoreStateName(chipd::PowerState::kActive), "active");
  EXPECT_EQ(StoreStateName(chipd::PowerState::kShuttingDown), "shut_down");
  EXPECT_DOUBLE_EQ(StoreSeconds(1'500'000'000), 1.5);
}

}  // namespace
}  // namespace illusion::coordinator
