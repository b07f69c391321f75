#ifndef ILLUSION_PARTITIONER_PAPER_PAPER_EXECUTOR_H_
#define ILLUSION_PARTITIONER_PAPER_PAPER_EXECUTOR_H_

// Runs a PaperPartition in process, chip wake-up by wake-up in execution
// order, exchanging only 16-bit words: each chip decodes its input stream,
// computes its op sub-ranges with the nn ops' range APIs and encodes its
// output messages; the master routes them (workloads.md §2.1).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/paper/word_protocol.h"

namespace illusion::partitioner {

// The words one chip wake-up read and wrote. Plain value type.
struct ChipRun {
  std::string label;  // as ChipPlan::label
  int chip = 0;
  Words in;   // [own mode word][payload][0x0000]
  Words out;  // [destination][payload]...
};

// Result of one run. Plain value type.
struct PaperRun {
  std::vector<ChipRun> chips;  // the wake-ups that ran, in execution order
  int class_id = -1;           // the class sent to the host, or -1 (lstm non-final step)
  // What the master holds at the end: its inputs plus every tensor part that
  // reached it (class, lstm h and c).
  nn::TensorMap host;

  // The wake-up labelled `label`, or nullptr when it did not run.
  const ChipRun* Find(const std::string& label) const;
};

// Host-side tensors of one run: "input" for the CNNs (plus "path", int8 [1],
// for the d2nn target and 4-chip modes, where the host forces the path); for
// the lstm "x" (int8 [1, 10]), "h0", "c0" and "last" (int16 [1], 1 in the
// final step).
//
// Runs `partition` on `graph` (PaperGraph(partition.workload)) with
// `weights`. Errors: InvalidArgument for a missing input or weight, a stream
// that does not decode; FailedPrecondition when a chip lacks a tensor it must
// use or send (both named with the chip label). Thread-safe (no shared state).
absl::StatusOr<PaperRun> ExecutePaperPartition(const PaperPartition& partition,
                                               const nn::Graph& graph,
                                               const nn::WeightMap& weights,
                                               const nn::TensorMap& inputs);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PAPER_PAPER_EXECUTOR_H_
