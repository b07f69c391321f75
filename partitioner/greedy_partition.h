// The scaled-out simulation's "greedy" partitioner (spec scaled_out_sim.md
// §3; upstream eyeriss_search_multi_mc.py multi_chip()), for any LayerDesc
// list.
//
// Only weights count toward a chip's memory (activations are not stored).
// Layers are packed in order into chips of `memsize` bytes:
//
//   chip = 1; left = memsize
//   for each layer L (weights f = resident weight bytes):
//     if f <= left: put L on the chip; left -= f
//     else split L, starting in the CURRENT chip:
//       nofm >= nifm: by output channels ("_o"), unit = one output channel's
//                     weights; every part needs the full ifmap
//       otherwise:    by input channels ("_i"), unit = one input channel's
//                     weights; every part produces full-size partial sums
//       repeat: if left < unit: chip += 1, left = memsize
//               k = min(floor(left / unit), channels left); emit part j
//
// Special layers:
//   * kEmbedding: split by vocabulary words (unit = embedding_dim values per
//     word, 2048 B for the LSTM LM), parts named "<layer>_part_<j>_i";
//   * kLstmGates + kLstmProjection: placed together. If both fit they stay
//     whole; otherwise they are cut into hidden-unit slices (one slice =
//     gates/hidden gate rows + one projection input column, 18,432 B for the
//     LSTM LM): the current chip takes floor(left / slice) slices, each later
//     chip floor(memsize / slice). Part numbers count chips, so when the
//     current chip takes no slice the first part is "_part_2" (upstream).
//     Parts: "<gates>_part_<j>_o" and "<projection>_part_<j>_i". Every chip
//     with slices gets a pseudo-chip "node_<k>_dummy" holding the cell math
//     "conv_part_<i>" = FC(1, batch * slices, 1) (i counts those chips).
//
// Deliberate deviation: upstream gives the last LSTM chip
// (slices - fit) % per_chip slices, i.e. zero slices (and drops a chip's
// worth) when that divides evenly; here the last chip simply takes what is
// left. No swept memsize hits that case.

#ifndef ILLUSION_PARTITIONER_GREEDY_PARTITION_H_
#define ILLUSION_PARTITIONER_GREEDY_PARTITION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/layer_desc.h"

namespace illusion::partitioner {

// Options of GreedyPartition: a plain copyable struct (not synchronized);
// set exactly one of the two memsize fields.
struct GreedyOptions {
  // Weight memory per chip in bytes. Default 0 = unset.
  int64_t memsize_bytes = 0;
  // Weight memory per chip in MiB (2^20 bytes), as in the paper's sweep
  // (e.g. 0.25); a fractional byte is dropped. Default 0 = unset.
  double memsize_mib = 0.0;
  // Bytes per stored weight; the paper uses 16-bit weights. Default 2.
  int64_t bytes_per_weight = 2;
};

// The chip budget in bytes of `options`. InvalidArgument (naming the option
// and its value) if neither or both memsize fields are set, a value is not
// positive and finite, or it exceeds 2^50 bytes.
absl::StatusOr<int64_t> ResolveMemsizeBytes(const GreedyOptions& options);

// Partitions one net part (see file comment) and computes its messages.
// Errors:
//   * InvalidArgument: bad options (bytes_per_weight <= 0, memsize as above);
//     an empty layer list; a layer failing ValidateLayerDesc; duplicate
//     layer names; a residual input that does not name an earlier layer; an
//     LSTM gates layer not directly followed by its projection (or a
//     projection without gates), or gate rows not a multiple of the
//     projection's inputs.
//   * ResourceExhausted: a layer that must be split has an indivisible unit
//     larger than the budget, e.g. "layer 'fc6' needs 8192 bytes for one
//     output channel; chip budget is 4096 bytes".
// Stateless: thread-safe.
absl::StatusOr<GreedyPlan> GreedyPartition(const std::vector<LayerDesc>& layers,
                                           const GreedyOptions& options);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_GREEDY_PARTITION_H_
