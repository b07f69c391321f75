#ifndef ILLUSION_PARTITIONER_PARTITION_SUMMARY_H_
#define ILLUSION_PARTITIONER_PARTITION_SUMMARY_H_

// A per-chip digest of a Partition for people and scripts: ops, weight
// bytes, activation peak, messages in and out.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "partitioner/partition.h"

namespace illusion::partitioner {

// One wake-up. Plain value type.
struct ChipSummary {
  std::string label;
  int chip = 0;
  // "op", "op[b:e]" (output units), "op.psum[in b:e]", "op.finish".
  std::vector<std::string> ops;
  int64_t weight_bytes = 0;
  // LivePeakBytes of the wake-up's buffers (slice_buffers.h).
  int64_t activation_peak_bytes = 0;
  int messages_in = 0;
  int messages_out = 0;
  // Payload words when every guarded segment is present (2 bytes each).
  int64_t words_in = 0;
  int64_t words_out = 0;
};

// Plain value type.
struct PartitionSummary {
  std::string strategy;
  std::string graph_name;
  int64_t memsize_bytes = 0;  // 0 = unlimited
  int physical_chips = 0;
  int64_t weight_bytes = 0;
  // Words of all messages between chips (host traffic excluded).
  int64_t inter_chip_words = 0;
  // Words to and from the host.
  int64_t host_words = 0;
  std::vector<ChipSummary> chips;
};

// InvalidArgument for a partition that does not match `graph`.
absl::StatusOr<PartitionSummary> SummarizePartition(const Partition& partition,
                                                    const nn::Graph& graph);

// Aligned text table, one row per wake-up, then the totals.
std::string FormatSummaryTable(const PartitionSummary& summary);

// {"summary": {...}, "partition": <illusion.v1.Partition as proto JSON>}.
std::string FormatSummaryJson(const PartitionSummary& summary, const Partition& partition);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_PARTITION_SUMMARY_H_
