#ifndef ILLUSION_PARTITIONER_SLICE_BUFFERS_H_
#define ILLUSION_PARTITIONER_SLICE_BUFFERS_H_

// The activation buffers one chip wake-up holds, with their lifetimes in
// step indices: what a memory planner (chipd) lays out in SRAM and what the
// partition summary reports as the activation peak.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "partitioner/partition.h"

namespace illusion::partitioner {

// One tensor (the part of it the chip holds) on a chip. Plain value type.
struct SliceBuffer {
  std::string tensor;
  // Bytes the chip holds: the union of the byte ranges it receives and
  // produces (a partial-sum accumulator is held whole).
  int64_t bytes = 0;
  // Live from step `first_step` to `last_step` inclusive; step 0 is the
  // wake-up's start (inputs arrive), step k the k-th step (1-based), and
  // steps.size() + 1 the sending of outbound messages.
  int first_step = 0;
  int last_step = 0;
};

// The buffers of wake-up `chip`, in first-use order. InvalidArgument for an
// unknown op or tensor, or a chip index out of range.
absl::StatusOr<std::vector<SliceBuffer>> SliceBuffers(const Partition& partition,
                                                      const nn::Graph& graph, int chip);

// The largest sum of bytes of buffers live at the same step.
int64_t LivePeakBytes(const std::vector<SliceBuffer>& buffers);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_SLICE_BUFFERS_H_
