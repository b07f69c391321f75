#ifndef ILLUSION_COORDINATOR_SCALED_OUT_WORKLOAD_PLANS_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_WORKLOAD_PLANS_H_

// The greedy partitions of one scaled-out workload at one memsize: every net
// part partitioned by partitioner::GreedyPartition, and for the LSTM the
// one-chip ideal with its inter-cell tensors kept on chip
// (partitioner::FuseSingleChipNetParts, spec §3.6 "hand edits at 2048 MiB").
// Cost-only: builds layer shapes and byte counts, never weights.
// Stateless functions: thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/layer_desc.h"

namespace illusion::coordinator::scaled_out {

// One net part: its name, its layers and its partition. Plain value type.
struct NetPartPlan {
  std::string net_part;
  std::vector<partitioner::LayerDesc> layers;
  partitioner::GreedyPlan plan;
};

// The net parts of `workload` (any name ScaledOutWorkloadNetParts accepts)
// partitioned at `memsize_mib`, in execution order. Errors of the
// partitioner are passed on with the workload and memsize prepended.
absl::StatusOr<std::vector<NetPartPlan>> PartitionWorkload(
    absl::string_view workload, double memsize_mib);

// The short workload name used in ReproduceRow (alexnet, vgg16, resnet50,
// lstm_lm) of a reference-CSV workload name ("AlexNet", ...). InvalidArgument
// for an unknown name.
absl::StatusOr<std::string> ShortWorkloadName(absl::string_view workload);

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_WORKLOAD_PLANS_H_
