// Plain row structs of the trace store (store/trace_store.h), one per table.
// Units: `*_s` are virtual seconds from the start of the run, `energy_j`
// joules, `*_bytes` bytes; chip ids are 0-based. Wall-clock stamps are ISO
// 8601 UTC text ("2024-05-01T12:00:00.123Z"). Plain values: thread-compatible.

#ifndef ILLUSION_STORE_RECORDS_H_
#define ILLUSION_STORE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::store {

// Life cycle of a run. kRunning until FinishRun(); a run whose owning
// process died while running is marked kIncomplete when a store is opened.
enum class RunStatus { kRunning, kComplete, kIncomplete, kFailed };

// "running", "complete", "incomplete", "failed" (the values in the table).
absl::string_view RunStatusName(RunStatus status);
// The inverse; INVALID_ARGUMENT naming the value and the valid ones.
absl::StatusOr<RunStatus> ParseRunStatus(absl::string_view name);

// experiments: a workload + weights + strategy + chip model configuration.
struct ExperimentRecord {
  int64_t id = 0;
  std::string name;
  std::string created_at;
  std::string config_json;  // Opaque to the store.
};

// What StartRun() needs to know about a new run.
struct RunSpec {
  int64_t experiment_id = 0;
  std::string strategy;  // Partition strategy: "paper", "greedy", "ideal".
  std::string backend;   // "in_process", "grpc", "board".
  std::string schedule;  // "sequential", "overlapped".
  int chip_count = 0;    // > 0; chip ids in traces are in [0, chip_count).
  // The run's role in its experiment: "run" (the system under study) or
  // "baseline" (the ideal chip it is compared with).
  std::string phase = "run";
};

// runs: one execution of an experiment.
struct RunRecord {
  int64_t id = 0;
  RunSpec spec;
  RunStatus status = RunStatus::kRunning;
  std::string started_at;
  std::string finished_at;  // "" while running.
  std::string error;        // "" unless failed or incomplete.
  int64_t owner_pid = 0;    // Process that started the run, on owner_host.
  std::string owner_host;
};

// chips: one chip of a run and where it ran.
struct ChipRecord {
  int chip = 0;
  std::string model;     // Chip model name, e.g. "msp430_rram".
  std::string endpoint;  // "in_process", "127.0.0.1:50051", "/dev/ttyUSB0".
};

// slices: the part of the network deployed on a chip.
struct SliceRecord {
  int chip = 0;
  std::string label;
  std::string ops_json;  // Op sub-ranges, opaque to the store.
  int64_t weight_bytes = 0;
  int64_t activation_peak_bytes = 0;
};

// power_intervals: a chip spent [start_s, end_s) in `state`.
struct PowerIntervalRecord {
  int64_t inference = 0;
  int chip = 0;
  std::string state;  // "active", "sleep", "wake_up", "shut_down", ...
  double start_s = 0;
  double end_s = 0;
  double energy_j = 0;
};

// messages: one inter-chip message routed by the coordinator. `seq` orders
// the messages of an inference and is unique within it.
struct MessageRecord {
  static constexpr int kCoordinator = -1;  // As source or destination.
  int64_t inference = 0;
  int64_t seq = 0;
  int source = 0;
  int destination = 0;
  int64_t words = 0;  // 16-bit protocol words.
  int64_t bytes = 0;
  double start_s = 0;
  double end_s = 0;
  double energy_j = 0;
};

// layer_executions: a chip computed outputs [out_begin, out_end) of `op`.
struct LayerExecutionRecord {
  int64_t inference = 0;
  int chip = 0;
  std::string op;
  int64_t out_begin = 0;
  int64_t out_end = 0;
  int64_t cycles = 0;
  double start_s = 0;
  double end_s = 0;
  double energy_j = 0;
};

// chip_wear: one physical chip's NVM wear after a wear-levelling round
// (the round after inference `inference`). Counts are 16-bit word writes.
struct ChipWearRecord {
  int64_t inference = 0;
  int chip = 0;          // physical chip
  int virtual_chip = 0;  // the partition chip it hosts after the round
  int64_t write_count = 0;
  int64_t pending = 0;  // still in the chip's write cache
  int64_t remaps = 0;   // local remaps so far
  int64_t offset = 0;   // rotation of the hosted virtual chip
};

// wear_events: a local remap ("remap": chip = the physical chip, shift and
// writes of the rotation) or a distributed swap ("swap": chip = the heavy
// physical chip, other_chip = the light one, virtual_chip = the virtual chip
// that moved off the heavy chip, writes = the migration's 2 x M, eps = EPS
// after the swap) made in the round after inference `inference`.
struct WearEventRecord {
  int64_t inference = 0;
  int64_t seq = 0;  // order within the run
  std::string kind;
  int chip = 0;
  int other_chip = -1;  // -1 for a remap
  int virtual_chip = 0;
  int64_t shift = 0;
  int64_t writes = 0;
  double eps = 0;
};

// endurer_states: the persisted Distributed ENDURER state after the round of
// inference `inference`, in endurer::SerializeEndurerState's text form
// (version 1), with its mode, swap count and EPS as columns for queries.
struct EndurerStateRecord {
  int64_t inference = 0;
  std::string mode;
  int64_t swap_count = 0;
  double eps = 0;
  std::string state;
};

// What StartEnduranceStudy() needs to know about a new endurance study.
struct EnduranceStudySpec {
  std::string workload;     // e.g. "d2nn"
  std::string source;       // "measured" or "model"
  int chips = 0;            // > 0; stuck_bits_per_chip has this many entries
  std::string config_json;  // the study's flags; a JSON object, opaque
};

// endurance_studies: one endurance-resilience study. The summary fields are
// set by FinishEnduranceStudy (absent while running or when it failed).
struct EnduranceStudyRecord {
  int64_t id = 0;
  EnduranceStudySpec spec;
  RunStatus status = RunStatus::kRunning;
  std::string started_at;
  std::string finished_at;  // "" while running
  std::string error;        // "" for none
  int64_t owner_pid = 0;
  std::string owner_host;
  std::optional<double> clean_accuracy_pct;
  int64_t clean_correct = 0;
  int64_t clean_total = 0;
  std::optional<double> nr_lifetime_days;
  std::optional<double> de_lifetime_days;
  std::optional<double> lifetime_gain;  // absent when not a ratio
  std::string summary_json;             // "" until finished
};

// How a study ended: its fault-free accuracy and lifetimes.
struct EnduranceSummary {
  double clean_accuracy_pct = 0;
  int64_t clean_correct = 0;
  int64_t clean_total = 0;
  double nr_lifetime_days = 0;
  double de_lifetime_days = 0;
  std::optional<double> lifetime_gain;
  std::string summary_json;  // a JSON object with everything else
};

// endurance_points: accuracy and stuck bits of one scheme ("NR": no
// resiliency, "DE": Distributed ENDURER) at one checkpoint of a study.
struct EndurancePointRecord {
  std::string scheme;
  int timepoint = 0;  // checkpoint index, 0 = ZERO, in time order
  std::string label;  // ZERO, DAY, WEEK, MONTH, YEAR, TENYEAR or "<Y>YEAR"
  double cum_days = 0;
  int64_t correct = 0;
  int64_t total = 0;
  int64_t high_path = 0;  // images that took the D2NN's high path
  int mask_chip = 0;      // physical chip holding the activation
  int64_t mask_stuck_bits = 0;
  std::vector<int64_t> stuck_bits_per_chip;  // one per chip of the study
  double accuracy_pct() const { return total == 0 ? 0.0 : 100.0 * correct / total; }
};

}  // namespace illusion::store

#endif  // ILLUSION_STORE_RECORDS_H_
