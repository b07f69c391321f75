#ifndef ILLUSION_PARTITIONER_PARTITION_EXECUTOR_H_
#define ILLUSION_PARTITIONER_PARTITION_EXECUTOR_H_

// Runs a Partition in process, chip wake-up by wake-up in execution order,
// exchanging only 16-bit words: the host (the paper's FPGA master) builds each
// chip's input stream from its own messages and those the chips sent, each
// chip runs RunWakeUp (chip_runner.h), and the host routes the outputs
// (workloads.md §2.1). No gRPC, no cost model: the reference for chipd and
// the coordinator.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/partition.h"
#include "partitioner/word_protocol.h"

namespace illusion::partitioner {

// The words one chip wake-up read and wrote. Plain value type.
struct ChipRun {
  std::string label;  // as ChipSlice::label
  int chip = 0;
  Words in;   // [own mode word][payload][0x0000]
  Words out;  // [destination][payload]...
};

// Result of one run. Plain value type.
struct PartitionRun {
  std::vector<ChipRun> chips;  // the wake-ups that ran, in execution order
  int class_id = -1;           // the class sent to the host, or -1 (lstm non-final step)
  // What the host holds at the end: its inputs plus every tensor part that
  // reached it (class, lstm h and c, graph outputs).
  nn::TensorMap host;

  // The wake-up labelled `label`, or nullptr when it did not run.
  const ChipRun* Find(const std::string& label) const;
};

// Host-side tensors of one run: the graph inputs ("input" for the CNNs, plus
// "path", int8 [1], for the paper's d2nn target and 4-chip modes, where the
// host forces the path); for the lstm "x" (int8 [1, 10]), "h0", "c0" and
// "last" (int16 [1], 1 in the final step).
//
// Runs `partition` on `graph` with `weights`. A wake-up that receives no
// message is not woken. Errors: InvalidArgument for a missing input or
// weight, a stream that does not decode; FailedPrecondition when a chip lacks
// a tensor it must use or send (both named with the chip label). Thread-safe
// (no shared state).
absl::StatusOr<PartitionRun> ExecutePartition(const Partition& partition, const nn::Graph& graph,
                                              const nn::WeightMap& weights,
                                              const nn::TensorMap& inputs);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PARTITION_EXECUTOR_H_
