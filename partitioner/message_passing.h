// Message model and message-passing CSV of the scaled-out simulation (spec
// scaled_out_sim.md §3.5-§3.6; upstream analyze_results.py
// process_net_mp_cost and eyeriss_search_multi_mc.py --message-passing).
//
// Chips run strictly one after another; every message goes through the link
// once. For one net part, in bytes (dummy chips are skipped):
//   * network input: chip 1's first ifmap, unless that layer is a split part;
//   * every chip whose first layer is a split part receives that part's
//     ifmap (full input for "_o", the channel slice for "_i"); an embedding
//     part's word ids are counted a second time (upstream's +64 B at batch 32);
//   * a chip starting with an embedding part and ending with another layer
//     also receives the first non-embedding layer's ifmap (upstream hard-codes
//     131,072 B = act_1's ifmap at batch 32);
//   * every chip whose last layer is not an embedding (part) sends that
//     layer's ofmap ("_o": its slice; "_i": the full partial sums); the last
//     chip's output is the network output;
//   * ResNet skip tensors: for every part of a consumer layer, the producer's
//     ofmap (summed over the producer's parts) if the part's chip differs
//     from the chip of the producer's first part (direct bypass, counted once
//     per consumer part).
// Stateless functions: thread-safe for distinct or const arguments.

#ifndef ILLUSION_PARTITIONER_MESSAGE_PASSING_H_
#define ILLUSION_PARTITIONER_MESSAGE_PASSING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "partitioner/greedy_plan.h"

namespace illusion::partitioner {

// The CSV header, exactly as upstream writes it (without the newline).
inline constexpr char kMessagePassingCsvHeader[] =
    "Node Name, Layer Name, Layer Number, ifmap, ofmap, fmap";

// One row of the message-passing CSV. Plain value type.
struct MessageRow {
  std::string node_name;   // "node_k" or "node_k_dummy".
  std::string layer_name;  // LayerPart::name.
  int layer_number = 0;    // 1-based position on the chip.
  int64_t ifmap_bytes = 0;
  int64_t ofmap_bytes = 0;
  int64_t fmap_bytes = 0;  // LayerPart::weight_bytes.
};

// The rows in file order: physical chips node_1..node_N, then the dummies.
std::vector<MessageRow> MessagePassingRows(const GreedyPlan& plan);

// The CSV text: header line, then one "node,layer,number,ifmap,ofmap,fmap"
// line per row, each ending in '\n'. Byte-identical to the stored
// `<net>_<mem>_mp.csv` files.
std::string WriteMessagePassingCsv(const GreedyPlan& plan);

// Computes the message bytes of `plan` from its parts' byte columns.
MessageBreakdown ComputeMessageBreakdown(const GreedyPlan& plan);

// Applies the spec's decision for a multi-part workload (the LSTM) that fits
// on a single chip: when there are at least two parts, every part has one
// chip and the parts' resident weights fit together in one chip's memsize,
// the tensors between consecutive parts stay on chip. Zeroes the last
// ofmap of part k and the first ifmap of part k+1 (as the hand-edited stored
// 2048 MiB LSTM files do: proj_1.ofmap = act_2.ifmap = 0), recomputes each
// part's messages and returns true; otherwise changes nothing and returns
// false. InvalidArgument if the parts have different memsizes.
absl::StatusOr<bool> FuseSingleChipNetParts(absl::Span<GreedyPlan> parts);

// Sum of messages.total over the net parts of a workload.
int64_t WorkloadMessageBytes(absl::Span<const GreedyPlan> parts);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_MESSAGE_PASSING_H_
