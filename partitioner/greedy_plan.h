// GreedyPlan: the result of the scaled-out "greedy" partitioner
// (greedy_partition.h) for one net part: which layer parts each chip holds,
// and the message traffic of spec scaled_out_sim.md §3.5-§3.6.
//
// The byte columns of every LayerPart are exactly the columns of the paper's
// message-passing CSV (`<net>_<mem>_mp.csv`); message_passing.h renders the
// CSV and computes the message breakdown from them.

#ifndef ILLUSION_PARTITIONER_GREEDY_PLAN_H_
#define ILLUSION_PARTITIONER_GREEDY_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "partitioner/layer_desc.h"

namespace illusion::partitioner {

// How a layer part was cut out of its layer.
enum class SplitKind {
  kNone,    // The whole layer (or an LSTM cell-math pseudo-layer).
  kOutput,  // A range of output channels; needs the full ifmap ("_o").
  kInput,   // A range of input channels; produces full-size partial sums
            // ("_i"). Embedding parts are input splits over vocabulary words.
};

// 'o', 'i', or '-' for kNone.
char SplitKindChar(SplitKind split);

// One row of a chip: a whole layer or one part of a split layer. Plain value
// type; not synchronized.
struct LayerPart {
  // Name as written in the CSV: the layer name, "<layer>_part_<j>_<o|i>" for
  // a split part, or "conv_part_<j>" for LSTM cell math on a dummy chip.
  std::string name;
  // Name of the layer this part belongs to ("conv" for LSTM cell math).
  std::string layer_name;
  LayerKind kind = LayerKind::kConv;
  // 1-based part number j; 0 for a whole layer.
  int part_index = 0;
  SplitKind split = SplitKind::kNone;
  // Half-open range of the split dimension held by this part: output
  // channels (kOutput), input channels or vocabulary words (kInput), or
  // [0, nofm) for a whole layer. LSTM gate parts cover 4 gate rows per
  // hidden-unit slice; the matching projection part covers the slices.
  int64_t channel_begin = 0;
  int64_t channel_end = 0;
  // CSV "ifmap"/"ofmap": activation bytes in/out for the whole batch, with
  // the part's channel count (an _i part's ofmap is the full partial sum).
  int64_t ifmap_bytes = 0;
  int64_t ofmap_bytes = 0;
  // CSV "fmap": weight bytes as the upstream Layer model counts them.
  int64_t weight_bytes = 0;
  // Bytes charged against the chip's memory (differs from weight_bytes only
  // for embeddings, whose words hold embedding_dim values each).
  int64_t resident_weight_bytes = 0;
  // Copied from the layer: producers of skip tensors this part consumes.
  std::vector<std::string> residual_inputs;
};

// One chip ("node_k") or LSTM cell-math pseudo-chip ("node_k_dummy"). Plain
// value type; not synchronized.
struct ChipPlan {
  // k, 1-based. A dummy chip carries the index of the chip it belongs to.
  int index = 0;
  bool dummy = false;
  // Parts in execution order; the CSV "Layer Number" is position + 1.
  std::vector<LayerPart> parts;
  // Sum of the parts' resident_weight_bytes (<= the memory budget).
  int64_t resident_weight_bytes = 0;
};

// "node_<k>" or "node_<k>_dummy".
std::string ChipName(const ChipPlan& chip);

// Message bytes of one net part by term (spec §3.6); `total` is their sum.
// Plain value type.
struct MessageBreakdown {
  // ifmap of chip 1's first layer when that layer is not a split part.
  int64_t network_input = 0;
  // ifmap of every chip whose first layer is a split part.
  int64_t split_part_input = 0;
  // ofmap of every chip's last layer unless it is an embedding (part).
  int64_t chip_output = 0;
  // Word ids counted again for chips starting with an embedding part.
  int64_t embedding_word_ids = 0;
  // First non-embedding layer's ifmap on a chip that starts with an
  // embedding part and ends with another layer.
  int64_t embedding_handoff = 0;
  // ResNet skip tensors whose producer and consumer part are on different
  // chips, counted once per consumer part (direct bypass).
  int64_t residual_bypass = 0;
  int64_t total = 0;
};

// The partition of one net part. Plain value type (copyable); not
// synchronized. Produced by GreedyPartition().
struct GreedyPlan {
  // Options it was built with.
  int64_t memsize_bytes = 0;
  int64_t bytes_per_weight = 2;
  // Physical chips node_1 .. node_N, in order (chips[k - 1].index == k).
  std::vector<ChipPlan> chips;
  // LSTM cell-math pseudo-chips, in order; no messages, no sleep, no memory.
  std::vector<ChipPlan> dummy_chips;
  // Totals: N (physical chips) and the message bytes of §3.6.
  int num_chips = 0;
  MessageBreakdown messages;
  // Sum of resident_weight_bytes over all chips.
  int64_t resident_weight_bytes = 0;
};

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_GREEDY_PLAN_H_
