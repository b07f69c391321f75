#ifndef ILLUSION_COORDINATOR_EXPERIMENT_H_
#define ILLUSION_COORDINATOR_EXPERIMENT_H_

// RunExperiment: one experiment end to end in this process. It builds the
// workload graph and weights, partitions it with the chosen strategy, deploys
// the slices on an in-process fleet of the chosen chip model, runs K
// inferences, and does the same for the baseline (the ideal chip: the paper's
// 1-chip "target" partition for the paper strategy, IdealGraphPartition
// otherwise) on the same chip model grown to hold every weight. It returns
// both runs, their accounts and the ratios.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/accounting.h"
#include "coordinator/chip_fleet.h"
#include "coordinator/experiment_runner.h"
#include "coordinator/run_record.h"
#include "coordinator/wear/wear_leveler.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/partition.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// Makes the fleet a partition runs on: at least `chips` fresh chips (clocks
// at 0, no slice) of `model`. Errors name the chip that failed.
using FleetFactory = std::function<absl::StatusOr<std::unique_ptr<ChipFleet>>(
    int chips, const illusion::v1::ChipModel& model)>;

// The two runs of an experiment.
enum class RunPhase { kRun, kBaseline };
// "run", "baseline".
absl::string_view RunPhaseName(RunPhase phase);

// Watches an experiment (the coordinator's progress stream and trace store).
// Called on RunExperiment's thread, phase by phase; an error from OnRunStart
// or from the RunObserver aborts the experiment with that status. Need not
// be thread-safe.
class ExperimentObserver {
 public:
  virtual ~ExperimentObserver() = default;
  // The phase's partition is deployed on `fleet`, chips of `model`.
  virtual absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                                  const illusion::v1::ChipModel& model, const ChipFleet& fleet) {
    return absl::OkStatus();
  }
  // Watches the phase's run; null for none. Borrowed for the run.
  virtual RunObserver* RunObserverFor(RunPhase phase) { return nullptr; }
  // Wear levelling (ExperimentConfig::wear) finished a round between two
  // inferences of the phase; an error aborts the experiment.
  virtual absl::Status OnWearRound(RunPhase phase, const WearRound& round) {
    return absl::OkStatus();
  }
  // The phase ended with `status`; `record` holds what ran (everything up to
  // a failure); `account` is set when it succeeded.
  virtual void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                        const Account* account) {}
};

// Plain copyable struct; every field has a usable default.
struct ExperimentConfig {
  nn::Workload workload = nn::Workload::kMnist;
  // Weights: read from this directory (nn::LoadWeightsFromDir with
  // nn::WorkloadWeightLayout) when set, else nn::SeededWeights(weight_seed).
  std::string weights_dir;
  uint64_t weight_seed = 1;
  partitioner::Strategy strategy = partitioner::Strategy::kPaper;
  // Paper strategy: 1, 4 or 8 chips. Default 8.
  int chips = 8;
  // Paper d2nn 8-chip: chip 0 keeps n1_conv2 in NVM. Default false.
  bool d2nn_nv = false;
  // Greedy strategy: weight bytes per chip; 0 = the chip model's
  // weight_nvm_bytes. The chips' weight NVM is set to it.
  int64_t memsize_bytes = 0;
  // Built-in chip model name or textproto path (chipd::LoadChipModel).
  std::string chip_model = "msp430_rram";
  // Grow the chips' weight NVM and SRAM to the partition's largest slice
  // (the paper's 4-chip and target modes emulate larger chips). When false a
  // slice that does not fit is refused (ResourceExhausted). Default true.
  bool fit_memory = true;
  Schedule schedule = Schedule::kSequential;
  // Inferences K (>= 1). The LSTM runs one time step per inference, the
  // final one (host "last" = 1), so every inference yields a class.
  int inferences = 1;
  // Graph inputs of each inference: seeded (nn::SeededTensor over [-100,
  // 100], seeds derived from input_seed and the inference) unless `inputs`
  // is given, one map per inference (then its size must equal
  // `inferences`). Host-forced tensors are added either way: the d2nn
  // "path" (from the golden nn::ExecuteGraph run) and the lstm "last".
  uint64_t input_seed = 1;
  std::vector<nn::TensorMap> inputs;
  // Also run the baseline and fill the report. Default true.
  bool run_baseline = true;
  // Keep every wake-up's word streams in the run records (needed by
  // ExportStreams; RunnerOptions::keep_streams). Default true.
  bool keep_streams = true;
  // NVM wear levelling of the partition's chips (not the baseline's):
  // activations go to NVM and the coordinator runs a Distributed ENDURER
  // round after every inference (coordinator/wear/wear_leveler.h). Off by
  // default; the fleet must support wear (every built-in fleet does).
  WearLevelingConfig wear;
  // Where the partition runs; empty = an in-process fleet (InProcessFleet).
  FleetFactory fleet_factory;
  // Where the baseline (one ideal chip) runs; empty = in-process.
  FleetFactory baseline_fleet_factory;
  // Borrowed; may be null.
  ExperimentObserver* observer = nullptr;
};

// The in-process FleetFactory.
FleetFactory InProcessFleetFactory();

// Everything an experiment produced. Plain value type.
struct ExperimentResult {
  std::vector<nn::TensorMap> inputs;  // host inputs per inference
  partitioner::Partition partition;
  illusion::v1::ChipModel model;  // as the fleet's chips ran it
  RunRecord run;
  Account account;
  // One per inference when config.wear.enabled; the last is the end state.
  std::vector<WearRound> wear_rounds;
  // Present when config.run_baseline.
  partitioner::Partition baseline_partition;
  illusion::v1::ChipModel baseline_model;
  RunRecord baseline_run;
  Report report;  // run vs baseline (zero ratios without a baseline)
};

// Runs `config`. Errors: InvalidArgument for a bad field (named with its
// value and the valid range), or from the partitioner, the weights, the
// chips; ResourceExhausted when a slice does not fit and fit_memory is off.
// Failures of the baseline are prefixed "baseline: ". Thread-safe (no shared
// state).
absl::StatusOr<ExperimentResult> RunExperiment(const ExperimentConfig& config);

// The host inputs of the experiment's inferences (see ExperimentConfig).
absl::StatusOr<std::vector<nn::TensorMap>> ExperimentInputs(const ExperimentConfig& config,
                                                           const nn::Graph& graph,
                                                           const nn::WeightMap& weights);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_EXPERIMENT_H_
