#ifndef ILLUSION_COORDINATOR_MODEL_FIT_H_
#define ILLUSION_COORDINATOR_MODEL_FIT_H_

// Sizing a chip model to a partition. Memory capacity is a per-experiment
// setting on top of the chip model: the paper's ideal chip is the same chip
// with all the weights' memory, and its 4-chip mode emulates 8 KB chips.

#include <cstdint>

#include "absl/status/statusor.h"
#include "nn/graph.h"
#include "partitioner/partition.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// What the largest slice of a partition needs. Plain value type.
struct SliceNeeds {
  int64_t weight_bytes = 0;           // max over physical chips (all wake-ups)
  int64_t activation_peak_bytes = 0;  // max over wake-ups, as ChipRuntime plans it
};

// The needs of `partition` on `graph`. InvalidArgument for an unknown op or
// tensor (from partitioner::SliceBuffers), naming it.
absl::StatusOr<SliceNeeds> ComputeSliceNeeds(const partitioner::Partition& partition,
                                             const nn::Graph& graph);

// `model` with weight_nvm_bytes and activation_sram_bytes raised (never
// lowered) to `needs`.
illusion::v1::ChipModel GrowToFit(illusion::v1::ChipModel model, const SliceNeeds& needs);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_MODEL_FIT_H_
