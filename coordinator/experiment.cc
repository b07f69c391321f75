#include "coordinator/experiment.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "common/status_macros.h"
#include "coordinator/deploy.h"
#include "coordinator/in_process_fleet.h"
#include "coordinator/model_fit.h"
#include "coordinator/wear/routed_fleet.h"
#include "nn/weights.h"
#include "partitioner/graph_partition.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::coordinator {
namespace {

using partitioner::Partition;
using partitioner::Strategy;

absl::Status CheckConfig(const ExperimentConfig& c) {
  if (c.inferences < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("inferences must be at least 1; got ", c.inferences));
  }
  if (!c.inputs.empty() && static_cast<int>(c.inputs.size()) != c.inferences) {
    return absl::InvalidArgumentError(absl::StrCat("inputs has ", c.inputs.size(),
                                                   " maps; inferences is ", c.inferences));
  }
  if (c.wear.enabled) RETURN_IF_ERROR(ValidateWearLevelingConfig(c.wear));
  if (c.memsize_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("memsize_bytes must be >= 0 (0 = the chip model's); got ", c.memsize_bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<nn::WeightMap> Weights(const ExperimentConfig& c, const nn::Graph& graph) {
  if (c.weights_dir.empty()) return nn::SeededWeights(graph, c.weight_seed);
  return nn::LoadWeightsFromDir(graph, c.weights_dir, nn::WorkloadWeightLayout(c.workload));
}

// The partition under test and its baseline.
absl::StatusOr<std::pair<Partition, Partition>> Partitions(const ExperimentConfig& c,
                                                           const nn::Graph& graph,
                                                           int64_t memsize_bytes) {
  switch (c.strategy) {
    case Strategy::kPaper: {
      partitioner::PaperPartitionOptions options;
      options.d2nn_nv = c.d2nn_nv;
      ASSIGN_OR_RETURN(Partition p, partitioner::PaperPartitionFor(c.workload, c.chips, options));
      ASSIGN_OR_RETURN(Partition target, partitioner::PaperPartitionFor(c.workload, 1));
      return std::make_pair(std::move(p), std::move(target));
    }
    case Strategy::kGreedy: {
      ASSIGN_OR_RETURN(Partition p, partitioner::GreedyGraphPartition(graph, {memsize_bytes}));
      ASSIGN_OR_RETURN(Partition ideal, partitioner::IdealGraphPartition(graph));
      return std::make_pair(std::move(p), std::move(ideal));
    }
    case Strategy::kIdeal: {
      ASSIGN_OR_RETURN(Partition ideal, partitioner::IdealGraphPartition(graph));
      return std::make_pair(ideal, ideal);
    }
  }
  return absl::InvalidArgumentError("unknown strategy");
}

// Runs a wear-levelling round after every inference, then forwards to the
// experiment's run observer. Not thread-safe (the runner's thread).
class WearRoundObserver : public RunObserver {
 public:
  WearRoundObserver(WearLeveler* leveler, RunObserver* inner, ExperimentObserver* experiment,
                    RunPhase phase, std::vector<WearRound>* rounds)
      : leveler_(leveler), inner_(inner), experiment_(experiment), phase_(phase),
        rounds_(rounds) {}

  absl::Status OnWakeUp(const RunRecord& record) override {
    return inner_ != nullptr ? inner_->OnWakeUp(record) : absl::OkStatus();
  }
  absl::Status OnInference(const RunRecord& record) override {
    if (inner_ != nullptr) RETURN_IF_ERROR(inner_->OnInference(record));
    const int inference = static_cast<int>(record.inferences.size()) - 1;
    absl::StatusOr<WearRound> round = leveler_->AfterInference(inference);
    if (!round.ok()) {
      return absl::Status(round.status().code(),
                          absl::StrCat("wear levelling after inference ", inference, ": ",
                                       round.status().message()));
    }
    rounds_->push_back(*std::move(round));
    if (experiment_ != nullptr) RETURN_IF_ERROR(experiment_->OnWearRound(phase_, rounds_->back()));
    return absl::OkStatus();
  }

 private:
  WearLeveler* const leveler_;
  RunObserver* const inner_;
  ExperimentObserver* const experiment_;
  const RunPhase phase_;
  std::vector<WearRound>* const rounds_;
};

// Deploys `partition` on a fresh fleet of `model` and runs it, telling the
// observer; with `wear` enabled, through a RoutedFleet with a WearLeveler
// round after every inference (appended to `wear_rounds`). The schedule and
// keep_streams come from `config`.
absl::StatusOr<RunRecord> RunOnFreshFleet(RunPhase phase, const FleetFactory& factory,
                                          ExperimentObserver* observer,
                                          const Partition& partition, const nn::Graph& graph,
                                          const nn::WeightMap& weights,
                                          const illusion::v1::ChipModel& model,
                                          const ExperimentConfig& config,
                                          const std::vector<nn::TensorMap>& inputs,
                                          const WearLevelingConfig& wear = {},
                                          std::vector<WearRound>* wear_rounds = nullptr) {
  const FleetFactory& make = factory ? factory : InProcessFleetFactory();
  ASSIGN_OR_RETURN(std::unique_ptr<ChipFleet> physical,
                   make(PhysicalChipCount(partition), model));
  if (physical->size() < PhysicalChipCount(partition)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the fleet has ", physical->size(), " chips; the partition needs ",
                     PhysicalChipCount(partition)));
  }
  std::unique_ptr<RoutedFleet> routed;
  ChipFleet* fleet = physical.get();
  if (wear.enabled) {
    routed = std::make_unique<RoutedFleet>(physical.get());
    fleet = routed.get();
  }
  RETURN_IF_ERROR(DeployPartition(partition, graph, weights, *fleet));
  std::unique_ptr<WearLeveler> leveler;
  if (wear.enabled) {
    const int used = PhysicalChipCount(partition);
    ASSIGN_OR_RETURN(leveler,
                     WearLeveler::Create(wear, routed.get(), [&, used](int virtual_chip) {
                       if (virtual_chip >= used) return absl::OkStatus();  // no slice
                       return DeployChip(partition, graph, weights, virtual_chip, *routed);
                     }));
  }
  if (observer != nullptr) {
    RETURN_IF_ERROR(observer->OnRunStart(phase, partition, model, *fleet));
  }
  RunnerOptions options;
  options.schedule = config.schedule;
  options.keep_streams = config.keep_streams;
  options.link_model = model;
  if (observer != nullptr) options.observer = observer->RunObserverFor(phase);
  std::unique_ptr<WearRoundObserver> wear_observer;
  if (leveler != nullptr) {
    wear_observer = std::make_unique<WearRoundObserver>(leveler.get(), options.observer, observer,
                                                        phase, wear_rounds);
    options.observer = wear_observer.get();
  }
  if (graph.name() == "kws_lstm") options.carry = {{"h", nn::kLstmH0}, {"c", nn::kLstmC0}};
  ASSIGN_OR_RETURN(std::unique_ptr<ExperimentRunner> runner,
                   ExperimentRunner::Create(partition, graph, weights, fleet, options));
  RunRecord record;
  const absl::Status s = runner->Run(inputs, &record);
  if (!s.ok()) {
    if (observer != nullptr) observer->OnRunEnd(phase, s, record, nullptr);
    return s;
  }
  return record;
}

// Accounts a finished run and tells the observer.
absl::StatusOr<Account> AccountPhase(RunPhase phase, ExperimentObserver* observer,
                                     const RunRecord& record,
                                     const illusion::v1::ChipModel& model) {
  absl::StatusOr<Account> account = AccountRun(record, model);
  if (observer != nullptr) {
    observer->OnRunEnd(phase, account.status(), record, account.ok() ? &*account : nullptr);
  }
  return account;
}

absl::Status WithPrefix(const absl::Status& s, absl::string_view prefix) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

}  // namespace

absl::string_view RunPhaseName(RunPhase phase) {
  return phase == RunPhase::kRun ? "run" : "baseline";
}

FleetFactory InProcessFleetFactory() {
  return [](int chips,
            const illusion::v1::ChipModel& model) -> absl::StatusOr<std::unique_ptr<ChipFleet>> {
    ASSIGN_OR_RETURN(std::unique_ptr<InProcessFleet> fleet, InProcessFleet::Create(chips, model));
    return std::unique_ptr<ChipFleet>(std::move(fleet));
  };
}

absl::StatusOr<std::vector<nn::TensorMap>> ExperimentInputs(const ExperimentConfig& config,
                                                           const nn::Graph& graph,
                                                           const nn::WeightMap& weights) {
  RETURN_IF_ERROR(CheckConfig(config));
  std::vector<nn::TensorMap> all = config.inputs;
  if (all.empty()) {
    for (int i = 0; i < config.inferences; ++i) {
      nn::TensorMap in;
      uint64_t seed = config.input_seed * 1000003u + static_cast<uint64_t>(i) * 101u;
      for (const nn::TensorSpec& spec : graph.inputs()) {
        in.emplace(spec.name, nn::SeededTensor(spec, seed++, -100, 100));
      }
      all.push_back(std::move(in));
    }
  }
  if (config.strategy != Strategy::kPaper) return all;
  // The paper's master forces the d2nn path (target and 4-chip) and tells
  // the lstm chips whether this is the final step.
  for (nn::TensorMap& in : all) {
    if (config.workload == nn::Workload::kD2nn && in.count(nn::kPathTensor) == 0) {
      nn::TensorMap graph_inputs;
      for (const nn::TensorSpec& spec : graph.inputs()) graph_inputs[spec.name] = in.at(spec.name);
      ASSIGN_OR_RETURN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, graph_inputs));
      in[nn::kPathTensor] = golden.at(nn::kPathTensor);
    }
    if (config.workload == nn::Workload::kKwsLstm && in.count("last") == 0) {
      in["last"] = nn::Tensor::FromValues(nn::DType::kInt16, {1}, {1});
    }
  }
  return all;
}

absl::StatusOr<ExperimentResult> RunExperiment(const ExperimentConfig& config) {
  RETURN_IF_ERROR(CheckConfig(config));
  ASSIGN_OR_RETURN(nn::Graph graph, partitioner::PaperGraph(config.workload));
  ASSIGN_OR_RETURN(nn::WeightMap weights, Weights(config, graph));
  ASSIGN_OR_RETURN(illusion::v1::ChipModel base, chipd::LoadChipModel(config.chip_model));

  ExperimentResult result;
  ASSIGN_OR_RETURN(result.inputs, ExperimentInputs(config, graph, weights));
  const int64_t memsize =
      config.memsize_bytes > 0 ? config.memsize_bytes : base.weight_nvm_bytes();
  ASSIGN_OR_RETURN(auto partitions, Partitions(config, graph, memsize));
  result.partition = std::move(partitions.first);
  result.baseline_partition = std::move(partitions.second);

  result.model = base;
  if (config.strategy == Strategy::kGreedy) result.model.set_weight_nvm_bytes(memsize);
  if (config.fit_memory) {
    ASSIGN_OR_RETURN(SliceNeeds needs, ComputeSliceNeeds(result.partition, graph));
    result.model = GrowToFit(result.model, needs);
  }
  ASSIGN_OR_RETURN(result.run,
                   RunOnFreshFleet(RunPhase::kRun, config.fleet_factory, config.observer,
                                   result.partition, graph, weights, result.model, config,
                                   result.inputs, config.wear,
                                   &result.wear_rounds));
  ASSIGN_OR_RETURN(result.account,
                   AccountPhase(RunPhase::kRun, config.observer, result.run, result.model));
  if (!config.run_baseline) {
    result.report.run = result.account;
    return result;
  }

  // The ideal chip: the same chip holding every weight.
  absl::StatusOr<SliceNeeds> needs = ComputeSliceNeeds(result.baseline_partition, graph);
  RETURN_IF_ERROR(WithPrefix(needs.status(), "baseline: "));
  result.baseline_model = GrowToFit(base, *needs);
  absl::StatusOr<RunRecord> baseline = RunOnFreshFleet(
      RunPhase::kBaseline, config.baseline_fleet_factory, config.observer,
      result.baseline_partition, graph, weights, result.baseline_model, config, result.inputs);
  RETURN_IF_ERROR(WithPrefix(baseline.status(), "baseline: "));
  result.baseline_run = *std::move(baseline);
  absl::StatusOr<Account> baseline_account = AccountPhase(
      RunPhase::kBaseline, config.observer, result.baseline_run, result.baseline_model);
  RETURN_IF_ERROR(WithPrefix(baseline_account.status(), "baseline: "));
  ASSIGN_OR_RETURN(result.report, MakeReport(result.account, *std::move(baseline_account)));
  return result;
}

}  // namespace illusion::coordinator
