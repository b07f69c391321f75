#include "coordinator/deploy.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nn/graph_proto.h"

namespace illusion::coordinator {

int PhysicalChipCount(const partitioner::Partition& partition) {
  int count = 0;
  for (const partitioner::ChipSlice& c : partition.chips) count = std::max(count, c.chip + 1);
  return count;
}

absl::StatusOr<nn::Graph> CopyGraph(const nn::Graph& graph) {
  absl::StatusOr<nn::Graph> copy = nn::GraphFromProto(nn::GraphToProto(graph));
  if (!copy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("copying graph '", graph.name(), "': ", copy.status().message()));
  }
  return copy;
}

absl::StatusOr<nn::WeightMap> ChipWeights(const partitioner::Partition& partition,
                                          const nn::Graph& graph, const nn::WeightMap& weights,
                                          int chip) {
  nn::WeightMap mine;
  for (const partitioner::ChipSlice& slice : partition.chips) {
    if (slice.chip != chip) continue;
    for (const partitioner::ChipStep& step : slice.steps) {
      const nn::Op* op = graph.FindOp(step.op);
      if (op == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("chip ", slice.label, ": unknown op '",
                                                       step.op, "' (graph '", graph.name(),
                                                       "')"));
      }
      for (const nn::TensorSpec& w : op->weights()) {
        auto it = weights.find(w.name);
        if (it == weights.end()) {
          return absl::InvalidArgumentError(absl::StrCat("chip ", slice.label, ": op '", step.op,
                                                         "' needs weight '", w.name,
                                                         "', which was not given"));
        }
        mine.emplace(w.name, it->second);
      }
    }
  }
  return mine;
}

absl::Status DeployChip(const partitioner::Partition& partition, const nn::Graph& graph,
                        const nn::WeightMap& weights, int chip, ChipFleet& fleet) {
  ASSIGN_OR_RETURN(nn::WeightMap mine, ChipWeights(partition, graph, weights, chip));
  ASSIGN_OR_RETURN(nn::Graph copy, CopyGraph(graph));
  chipd::SliceBundle bundle{
      absl::StrCat(partition.graph_name, "/", partitioner::StrategyName(partition.strategy),
                   "/chip ", chip),
      partition, std::move(copy), std::move(mine), chip};
  const absl::Status s = fleet.LoadSlice(chip, std::move(bundle));
  if (!s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("loading ", fleet.Describe(chip), ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status DeployPartition(const partitioner::Partition& partition, const nn::Graph& graph,
                             const nn::WeightMap& weights, ChipFleet& fleet) {
  const int needed = PhysicalChipCount(partition);
  if (needed > fleet.size()) {
    return absl::FailedPreconditionError(absl::StrCat("partition of '", partition.graph_name,
                                                      "' needs ", needed, " chips; the fleet has ",
                                                      fleet.size()));
  }
  for (int chip = 0; chip < needed; ++chip) {
    const bool has_wake_up =
        std::any_of(partition.chips.begin(), partition.chips.end(),
                    [chip](const partitioner::ChipSlice& c) { return c.chip == chip; });
    if (!has_wake_up) continue;  // an unused chip id stays empty
    RETURN_IF_ERROR(DeployChip(partition, graph, weights, chip, fleet));
  }
  return absl::OkStatus();
}

}  // namespace illusion::coordinator
