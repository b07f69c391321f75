#ifndef ILLUSION_PARTITIONER_GRAPH_PARTITION_H_
#define ILLUSION_PARTITIONER_GRAPH_PARTITION_H_

// The greedy and ideal strategies over any nn::Graph, producing a Partition
// that chips can run bit-exactly (the scaled-out GreedyPartition over
// LayerDesc lists is the cost-level twin of the same rules).
//
// Greedy packing (scaled_out_sim.md §3, applied to the graph's real weight
// bytes: int8 weights and biases as stored):
//   ops are placed in graph order into chips of `memsize_bytes`;
//   an op whose weights + biases fit what is left goes whole on the chip;
//   otherwise it is split, starting in the current chip:
//     LSTM:                         by hidden units (each part one LSTM step
//                                   of its units);
//     output_units >= input_units:  by output units (channels, rows); every
//                                   part needs the whole input;
//     otherwise:                    by input units; each part adds its int32
//                                   partial sums to "<op>.psum", which runs
//                                   as a chain from chip to chip, and the
//                                   chip after the last part's finishes it
//                                   (bias, activation, pooling) on the same
//                                   chip when the biases fit, else on a new
//                                   one.
//   Ops without weights (pooling, argmax, branch) go on the current chip.
//
// Messages: for every step, its inputs (or the byte range of them it reads)
// come from the chip that produced each byte, or from the host for graph
// inputs; each partial-sum chain link is one message; graph outputs go to the
// host. One message per (source, destination) pair, in first-need order.
// Segments of a guarded op's output carry its guard, and the guard tensor is
// sent first to every chip (and the host) that reads such segments or runs
// guarded steps. Chips are woken even when all their steps are guarded off.
//
// Mode words: chip k (0-based) is addressed by the word k + 1 (0 is the host).

#include <cstdint>

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "partitioner/partition.h"

namespace illusion::partitioner {

// Options of GreedyGraphPartition. Plain copyable struct.
struct GraphPartitionOptions {
  // Weight + bias bytes per chip; must be positive.
  int64_t memsize_bytes = 0;
};

// Greedy partition of `graph` (see the file comment). Errors:
// InvalidArgument for memsize_bytes <= 0; ResourceExhausted when an op's
// indivisible unit exceeds the budget, naming the op, the unit, its bytes and
// the budget ("op 'layer4' needs 400 bytes for one output unit; chip budget
// is 300 bytes"). Stateless: thread-safe.
absl::StatusOr<Partition> GreedyGraphPartition(const nn::Graph& graph,
                                               const GraphPartitionOptions& options);

// Whether greedy splits `op` by output units (LSTM hidden units, or outputs
// when output_units >= input_units or the op has no input split) rather than
// by input units with partial sums.
bool SplitsByOutput(const nn::Op& op);

// One chip with unlimited memory running every op whole (guards kept).
absl::StatusOr<Partition> IdealGraphPartition(const nn::Graph& graph);

// Builds the message plan of `partition` (whose chips and steps are set) as
// the file comment describes, replacing partition.messages and adding the
// partial-sum tensors to aux_tensors. Used by both strategies above.
absl::Status PlanGraphMessages(const nn::Graph& graph, Partition& partition);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_GRAPH_PARTITION_H_
