#ifndef ILLUSION_COORDINATOR_RECORDING_STORE_RECORDER_H_
#define ILLUSION_COORDINATOR_RECORDING_STORE_RECORDER_H_

// StoreRecorder: an ExperimentObserver that writes an experiment into a
// store::TraceStore while it runs.
//
// One store run per phase: OnRunStart(kRun) starts the run, OnRunStart
// (kBaseline) the baseline; RunSpec::phase says which ("run", "baseline")
// and RunSpec::strategy is the phase's partition strategy ("paper",
// "greedy", "ideal"). Each run gets its
// chips (model name, endpoint = ChipFleet::Describe) and one slice per
// wake-up (ops as JSON, weight bytes, activation peak as ChipRuntime plans
// it), then after every inference the trace rows new since the last flush:
// one transaction per table (power intervals, messages, layer executions).
// OnRunEnd also flushes what the failed inference left (the wake-ups and
// messages that ran before the failure), then finishes the run:
// 'complete' with its account stored as the run's report (a kAccount
// document with the per-chip timelines, report_json.h), or 'failed' with
// the error text. When both phases completed, the experiment report (run vs
// baseline: a kReport document with both accounts, both timelines and
// baseline_run_id) replaces the main run's report; PutExperimentReport
// stores a given Report the same way.
//
// Units (store/records.h): times are virtual seconds from the run start
// (ns / 1e9), energies joules. Rows:
//   power_intervals   one per chip-reported interval of each wake-up (the
//                     sleep before it, waking, active, shutting down), states
//                     "sleep", "wake_up", "active", "shut_down"; the tail
//                     sleep after a chip's last wake-up is only in the
//                     report's sleep_j.
//   messages          one per routed message: seq = the run-wide routing
//                     order (unique within the inference too), chips by
//                     physical id (-1 = the coordinator/host), bytes = 2 x
//                     payload words, energy = its link energy.
//   layer_executions  one per executed step, placed inside the wake-up's
//                     active interval in the chip's order (boot and receive
//                     cycles, the steps, then send), cycles rounded to whole
//                     cycles, energy = active_power_w x its time + MAC
//                     energy (the wake-up's NVM and link energy are not split
//                     over its steps).
//
// Errors: a store write error is kept (status()) and returned by every later
// callback that can return one, so it aborts the experiment with that status
// (RunExperiment returns it). OnRunEnd cannot return a status: check
// status() after RunExperiment.
//
// Borrows the store (which must outlive the recorder) and the graph of the
// options. Use one recorder per experiment. Not thread-safe: RunExperiment
// calls it from its own thread (ExperimentObserver's contract).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/accounting.h"
#include "coordinator/chip_fleet.h"
#include "coordinator/experiment.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/recording/report_json.h"
#include "coordinator/run_record.h"
#include "nn/graph.h"
#include "partitioner/partition.h"
#include "proto/illusion/v1/chip_model.pb.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::coordinator {

// What the store needs about the runs beyond the partitions. Plain copyable
// struct.
struct StoreRecorderOptions {
  // RunSpec::backend of the run and of the baseline: "in_process", "grpc",
  // "board". Default "in_process" (RunExperiment's default fleets).
  std::string backend = "in_process";
  std::string baseline_backend = "in_process";
  // RunSpec::schedule: ScheduleName(ExperimentConfig::schedule). Default
  // "sequential".
  std::string schedule = "sequential";
  // The graph both partitions are of, for the slices' activation peaks.
  // Borrowed; null = partitioner::PaperGraph of Partition::graph_name (the
  // graph RunExperiment uses).
  const nn::Graph* graph = nullptr;
};

// The options for an experiment of `config` run on RunExperiment's default
// (in-process) fleets: its schedule.
StoreRecorderOptions RecorderOptionsFor(const ExperimentConfig& config);

// Records one experiment (see the file comment). Borrows the store and the
// options' graph; owns its per-phase RunObservers. Not thread-safe.
class StoreRecorder : public ExperimentObserver {
 public:
  // `store` is borrowed; `experiment_id` is an experiment the caller created
  // (TraceStore::CreateExperiment with the config JSON).
  StoreRecorder(store::TraceStore* store, int64_t experiment_id, StoreRecorderOptions options = {});
  ~StoreRecorder() override;
  StoreRecorder(const StoreRecorder&) = delete;
  StoreRecorder& operator=(const StoreRecorder&) = delete;

  // Starts the phase's store run with its chips and slices. Errors:
  // FailedPrecondition when the phase was already recorded; InvalidArgument
  // when no graph is given and Partition::graph_name is not a workload, or
  // from the slices; the store's errors (NotFound for an unknown experiment),
  // prefixed "trace store: ". A run started before a failure is finished
  // 'failed'.
  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet) override;
  // The phase's flusher (owned by this recorder); null before OnRunStart.
  RunObserver* RunObserverFor(RunPhase phase) override;
  void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                const Account* account) override;
  // Appends the round's rows: chip_wear (one per physical chip),
  // wear_events (its remaps and swap) and endurer_states (the persisted
  // state), one transaction per table. Errors as Flush's.
  absl::Status OnWearRound(RunPhase phase, const WearRound& round) override;

  // Stores `report` as the main run's report (a kReport document, with the
  // phases' timelines when they completed and baseline_run_id).
  // FailedPrecondition before the run phase started; the store's errors.
  absl::Status PutExperimentReport(const Report& report);

  // Store ids of the runs; 0 until the phase started.
  int64_t run_id() const { return phases_[0].run_id; }
  int64_t baseline_run_id() const { return phases_[1].run_id; }
  // OK, or the first error of a store write.
  const absl::Status& status() const { return status_; }

 private:
  class PhaseObserver;
  struct Phase {
    int64_t run_id = 0;
    illusion::v1::ChipModel model;
    // Rows of the RunRecord already in the store, per table.
    size_t intervals_flushed = 0;  // wake-ups whose intervals are stored
    size_t steps_flushed = 0;      // wake-ups whose steps are stored
    size_t messages_flushed = 0;
    int64_t wear_events = 0;  // wear_events rows stored (their next seq)
    bool ended = false;
    std::optional<Account> account;  // when it completed
    std::vector<ChipTimeline> timelines;
    std::unique_ptr<PhaseObserver> observer;
  };

  Phase& PhaseOf(RunPhase phase) { return phases_[phase == RunPhase::kRun ? 0 : 1]; }
  absl::Status StartPhase(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet);
  // Appends the rows of `record` not stored yet.
  absl::Status Flush(Phase& p, const RunRecord& record);
  absl::Status EndPhase(RunPhase phase, const absl::Status& status, const RunRecord& record,
                        const Account* account);
  // Keeps the first error; returns it.
  absl::Status Fail(absl::Status s);

  store::TraceStore* const store_;
  const int64_t experiment_id_;
  const StoreRecorderOptions options_;
  std::array<Phase, 2> phases_;
  absl::Status status_;
};

// ---- The row conversions (exposed for tests and other writers) ----

// "sleep", "wake_up", "active", "shut_down".
absl::string_view StoreStateName(chipd::PowerState state);
// Virtual ns to the store's seconds.
double StoreSeconds(int64_t ns);

std::vector<store::PowerIntervalRecord> PowerIntervalRows(const WakeUpRecord& wake_up);
store::MessageRecord MessageRow(const MessageRecord& message);
// `model`: the chip model the wake-up ran on (clock, active power, MAC
// energy).
std::vector<store::LayerExecutionRecord> LayerExecutionRows(const WakeUpRecord& wake_up,
                                                            const illusion::v1::ChipModel& model);
// One row per wake-up of `partition` on `graph`. InvalidArgument from the
// partition's buffers (unknown op or tensor, naming it).
absl::StatusOr<std::vector<store::SliceRecord>> SliceRows(const partitioner::Partition& partition,
                                                          const nn::Graph& graph);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_RECORDING_STORE_RECORDER_H_
