#ifndef ILLUSION_COORDINATOR_DEPLOY_H_
#define ILLUSION_COORDINATOR_DEPLOY_H_

// Deploying a Partition onto a ChipFleet: physical chip k of the partition
// gets fleet chip k, loaded with a SliceBundle holding the partition, a copy
// of the graph and only the weights of the ops that chip runs.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "coordinator/chip_fleet.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/partition.h"

namespace illusion::coordinator {

// Physical chips a partition addresses: the largest ChipSlice::chip + 1
// (0 for an empty partition).
int PhysicalChipCount(const partitioner::Partition& partition);

// A deep copy of `graph` (graphs are move-only; this goes through
// illusion.v1.Graph). InvalidArgument if the round trip fails.
absl::StatusOr<nn::Graph> CopyGraph(const nn::Graph& graph);

// The weights of the ops physical chip `chip` runs (all its wake-ups).
// InvalidArgument naming the op and the weight when one is missing.
absl::StatusOr<nn::WeightMap> ChipWeights(const partitioner::Partition& partition,
                                          const nn::Graph& graph, const nn::WeightMap& weights,
                                          int chip);

// Loads physical chip `chip`'s slice onto fleet chip `chip`; errors as
// DeployPartition's.
absl::Status DeployChip(const partitioner::Partition& partition, const nn::Graph& graph,
                        const nn::WeightMap& weights, int chip, ChipFleet& fleet);

// Loads every physical chip's slice onto `fleet`. FailedPrecondition naming
// both counts when the fleet has fewer chips than the partition; a chip's
// refusal (e.g. ResourceExhausted) is returned prefixed with
// "loading <Describe(chip)>: ". Slices loaded before a failure stay loaded.
absl::Status DeployPartition(const partitioner::Partition& partition, const nn::Graph& graph,
                             const nn::WeightMap& weights, ChipFleet& fleet);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_DEPLOY_H_
