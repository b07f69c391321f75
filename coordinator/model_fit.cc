#include "coordinator/model_fit.h"

#include <algorithm>
#include <map>
#include <vector>

#include "chipd/memory_planner.h"
#include "common/status_macros.h"
#include "partitioner/slice_buffers.h"

namespace illusion::coordinator {

absl::StatusOr<SliceNeeds> ComputeSliceNeeds(const partitioner::Partition& partition,
                                             const nn::Graph& graph) {
  partitioner::Partition copy = partition;
  RETURN_IF_ERROR(partitioner::ComputeSliceWeightBytes(graph, copy));
  SliceNeeds needs;
  std::map<int, int64_t> weight_per_chip;
  for (int w = 0; w < static_cast<int>(copy.chips.size()); ++w) {
    weight_per_chip[copy.chips[w].chip] += copy.chips[w].weight_bytes;
    ASSIGN_OR_RETURN(std::vector<partitioner::SliceBuffer> buffers,
                     partitioner::SliceBuffers(copy, graph, w));
    std::vector<chipd::BufferUse> uses;
    for (const partitioner::SliceBuffer& b : buffers) {
      uses.push_back(chipd::BufferUse{b.tensor, b.bytes, b.first_step, b.last_step});
    }
    // The planner options ChipRuntime::LoadSlice uses: 16-bit words.
    ASSIGN_OR_RETURN(chipd::MemoryPlan plan, chipd::PlanMemory(uses, chipd::PlannerOptions{2, 0}));
    needs.activation_peak_bytes = std::max(needs.activation_peak_bytes, plan.peak_bytes);
  }
  for (const auto& [chip, bytes] : weight_per_chip) {
    needs.weight_bytes = std::max(needs.weight_bytes, bytes);
  }
  return needs;
}

illusion::v1::ChipModel GrowToFit(illusion::v1::ChipModel model, const SliceNeeds& needs) {
  model.set_weight_nvm_bytes(std::max(model.weight_nvm_bytes(), needs.weight_bytes));
  model.set_activation_sram_bytes(
      std::max(model.activation_sram_bytes(), needs.activation_peak_bytes));
  return model;
}

}  // namespace illusion::coordinator
