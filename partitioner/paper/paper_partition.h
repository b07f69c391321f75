#ifndef ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_
#define ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_

// The paper's hand-made partitions of the four workloads (workloads.md §2.2):
// target (1 chip), 4-chip ("illusion_sm") and 8-chip ("illusion"). A
// partition lists the chip wake-ups in execution order, the op sub-ranges
// each computes, its resident weight bytes, and every message as segments of
// tensors in the canonical word encoding (word_protocol.h).

#include "absl/status/statusor.h"
#include "nn/op.h"
#include "nn/tensor.h"
#include "nn/workloads.h"
#include "partitioner/partition.h"
#include "partitioner/word_protocol.h"

namespace illusion::partitioner {

struct PaperPartitionOptions {
  // d2nn 8-chip: chip 0 keeps n1_conv2 in non-volatile memory (-DNV).
  bool d2nn_nv = false;
};

// The graph a partition of `workload` refers to (the LSTM with one step).
absl::StatusOr<nn::Graph> PaperGraph(nn::Workload workload);

// The paper's partition of `workload` over `chips` (1, 4 or 8). Errors:
// InvalidArgument for another chip count (naming it and the valid ones) or
// d2nn_nv with a workload/mode other than d2nn 8-chip.
absl::StatusOr<Partition> PaperPartitionFor(nn::Workload workload, int chips,
                                                 const PaperPartitionOptions& options = {});

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PAPER_PAPER_PARTITION_H_
