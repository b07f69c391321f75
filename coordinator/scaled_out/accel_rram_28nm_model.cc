#include "coordinator/scaled_out/accel_rram_28nm_model.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::coordinator::scaled_out {
namespace {

using partitioner::LayerDesc;
using partitioner::LayerKind;
using partitioner::LayerPart;
using partitioner::SplitKind;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Shape of one part: channels held and batch.
struct PartShape {
  int64_t nifm = 0;
  int64_t nofm = 0;
  int64_t batch = 1;
};

absl::StatusOr<PartShape> ShapeOf(const LayerPart& part,
                                  const LayerDesc& layer,
                                  int64_t bytes_per_weight) {
  PartShape shape;
  const int64_t weights = part.weight_bytes / bytes_per_weight;
  if (part.kind == LayerKind::kLstmCellMath) {
    // FC(1, batch * slices, 1) at the cell's batch (ifmap = one value/input).
    shape.batch = layer.batch;
    shape.nifm = 1;
    shape.nofm = weights;
    return shape;
  }
  shape.batch = layer.batch;
  if (layer.kind == LayerKind::kEmbedding) {
    // FC(1, words): a part holds a range of vocabulary words (an "_i" split
    // over word ids in upstream's naming).
    shape.nifm = 1;
    shape.nofm = weights;
    return shape;
  }
  const int64_t kernel = layer.kernel_height * layer.kernel_width;
  if (part.split == SplitKind::kInput) {
    shape.nofm = layer.nofm;
    shape.nifm = weights / (layer.nofm * kernel);
  } else {
    shape.nifm = layer.nifm;
    shape.nofm = weights / (layer.nifm * kernel);
  }
  if (shape.nifm * shape.nofm * kernel != weights || weights <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("part '", part.name, "' has ", part.weight_bytes,
                     " weight bytes, not whole channels of layer '",
                     layer.name, "'"));
  }
  return shape;
}

}  // namespace

void LayerPartCost::Add(const LayerPartCost& other) {
  padded_macs += other.padded_macs;
  rram_read_lines += other.rram_read_lines;
  rram_write_lines += other.rram_write_lines;
  time_s += other.time_s;
  mac_energy_j += other.mac_energy_j;
  rram_energy_j += other.rram_energy_j;
  buffer_energy_j += other.buffer_energy_j;
  leakage_energy_j += other.leakage_energy_j;
}

absl::StatusOr<LayerPartCost> CostLayerPart(
    const LayerPart& part, const LayerDesc& layer, int64_t bytes_per_weight,
    const AccelModelConstants& c) {
  ASSIGN_OR_RETURN(PartShape shape, ShapeOf(part, layer, bytes_per_weight));
  const bool cell_math = part.kind == LayerKind::kLstmCellMath;
  const int64_t eh = cell_math ? 1 : layer.ofmap_height;
  const int64_t ew = cell_math ? 1 : layer.ofmap_width;
  const int64_t kernel =
      cell_math ? 1 : layer.kernel_height * layer.kernel_width;
  const bool conv = eh * ew > 1;
  // A single-sample FC layer part (the CNNs' classifier splits): see the
  // header's "Single-sample FC parts".
  const bool single_sample_fc = !conv && !cell_math &&
                                layer.kind != LayerKind::kEmbedding &&
                                shape.batch == 1;
  // A batched FC layer part (the LSTM's gates and projections, B 4 or 32):
  // see the header's "Batched FC parts".
  const bool batched_fc = !conv && !cell_math &&
                          layer.kind != LayerKind::kEmbedding &&
                          shape.batch > 1;
  // An embedding or cell-math part (one input per output) with at least as
  // many samples as tiles (cell 1's B 32): see the header's "Single-input
  // parts".
  const bool single_input_batched =
      (cell_math || layer.kind == LayerKind::kEmbedding) &&
      shape.batch >= c.tile_grid * c.tile_grid;
  double padded = static_cast<double>(shape.batch);
  if (conv) {
    padded *= static_cast<double>(shape.nifm * kernel * shape.nofm *
                                  c.tile_grid * c.tile_grid *
                                  CeilDiv(eh, c.tile_grid) *
                                  CeilDiv(ew, c.tile_grid));
  } else if (single_sample_fc) {
    padded *= static_cast<double>(
        CeilDiv(shape.nifm * kernel, c.fc_input_pad) * c.fc_input_pad *
        std::max<int64_t>(c.fc_min_padded_outputs,
                          CeilDiv(shape.nofm, c.fc_output_pad) *
                              c.fc_output_pad));
  } else {
    const int64_t output_pad =
        single_input_batched ? c.single_input_output_pad : c.fc_output_pad;
    int64_t outputs = CeilDiv(shape.nofm, output_pad) * output_pad;
    if (batched_fc && part.split == SplitKind::kOutput) {
      // The whole layer's output blocks: 16 tiles x ceil(B / 16).
      const int64_t blocks =
          c.tile_grid * c.tile_grid *
          CeilDiv(shape.batch, c.batched_fc_samples_per_output_block);
      const int64_t block = CeilDiv(layer.nofm, blocks);
      outputs = CeilDiv(outputs, block) * block;
    }
    padded *= static_cast<double>(shape.nifm * kernel * outputs);
  }
  const double base_refetch =
      conv ? c.conv_weight_refetch : c.fc_weight_refetch;
  double refetch = base_refetch;
  if (batched_fc && shape.batch < c.per_sample_refetch_max_batch &&
      shape.nofm >= c.per_sample_refetch_min_outputs) {
    refetch = static_cast<double>(shape.batch);  // once per sample
  }
  const double weight_bytes = static_cast<double>(part.weight_bytes);
  const double fmap_bytes = static_cast<double>(part.ifmap_bytes) +
                            static_cast<double>(part.ofmap_bytes);
  const double read_bytes = refetch * weight_bytes + fmap_bytes;
  const double bandwidth =
      conv ? c.conv_bandwidth_bytes_per_s : c.fc_bandwidth_bytes_per_s;
  LayerPartCost cost;
  cost.padded_macs = padded;
  cost.rram_read_lines = read_bytes / c.rram_line_bytes;
  const double stall_bytes =
      read_bytes - (refetch - base_refetch) * weight_bytes;
  const bool small_weights =
      weight_bytes / (c.tile_grid * c.tile_grid) <
      c.small_fc_max_weight_bytes_per_tile;
  double stall_s = stall_bytes / bandwidth;
  if (single_input_batched) {
    // The weights and inputs hide behind writing the outputs out.
    stall_s = c.single_input_fixed_stall_s +
              static_cast<double>(part.ofmap_bytes) /
                  c.single_input_output_bandwidth_bytes_per_s;
  } else if (batched_fc && shape.batch < c.per_sample_refetch_max_batch) {
    // Fewer samples than tiles: the weights stream once per sample.
    stall_s = c.small_fc_fixed_stall_s +
              (static_cast<double>(shape.batch) * weight_bytes + fmap_bytes) /
                  c.rram_peak_bandwidth_bytes_per_s;
  } else if ((single_sample_fc || batched_fc) && small_weights) {
    stall_s = c.small_fc_fixed_stall_s +
              stall_bytes / c.small_fc_bandwidth_bytes_per_s;
  } else if (batched_fc) {
    stall_s = stall_bytes / c.rram_peak_bandwidth_bytes_per_s;
  }
  // Output-map bytes beyond the global buffer spill to RRAM.
  cost.rram_write_lines =
      std::max(0.0, static_cast<double>(part.ofmap_bytes) -
                        c.global_buffer_bytes) /
      c.rram_line_bytes;
  if (single_input_batched) {
    // The spill hides behind the output stream up to a size.
    stall_s += std::max(0.0, static_cast<double>(part.ofmap_bytes) -
                                 c.single_input_hidden_spill_output_bytes) /
               c.single_input_spill_bandwidth_bytes_per_s;
  } else {
    stall_s += cost.rram_write_lines * c.rram_line_bytes / bandwidth;
  }
  cost.time_s = 2 * padded / (c.macs_per_cycle * c.clock_hz) + stall_s;
  cost.mac_energy_j = c.mac_energy_j * padded;
  cost.rram_energy_j = c.rram_read_j_per_line * cost.rram_read_lines +
                       c.rram_write_j_per_line * cost.rram_write_lines;
  cost.buffer_energy_j = c.buffer_j_per_line *
                         (cost.rram_read_lines + cost.rram_write_lines);
  cost.leakage_energy_j = c.active_leakage_w * cost.time_s;
  return cost;
}

namespace {

// The layer a part belongs to; cell math uses the plan's gates layer.
absl::StatusOr<const LayerDesc*> LayerOf(const LayerPart& part,
                                         absl::Span<const LayerDesc> layers) {
  for (const LayerDesc& layer : layers) {
    if (part.kind == LayerKind::kLstmCellMath
            ? layer.kind == LayerKind::kLstmGates
            : layer.name == part.layer_name) {
      return &layer;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "part '", part.name, "' names no layer of the net part"));
}

absl::StatusOr<LayerPartCost> ChipCostOf(const partitioner::ChipPlan& chip,
                                         const partitioner::GreedyPlan& plan,
                                         absl::Span<const LayerDesc> layers,
                                         const AccelModelConstants& c) {
  LayerPartCost total;
  for (const LayerPart& part : chip.parts) {
    ASSIGN_OR_RETURN(const LayerDesc* layer, LayerOf(part, layers));
    ASSIGN_OR_RETURN(LayerPartCost cost,
                     CostLayerPart(part, *layer, plan.bytes_per_weight, c));
    total.Add(cost);
  }
  return total;
}

}  // namespace

absl::StatusOr<NetPartCosts> PlanCosts(const partitioner::GreedyPlan& plan,
                                       absl::Span<const LayerDesc> layers,
                                       const AccelModelConstants& c) {
  NetPartCosts costs;
  costs.message_bytes = plan.messages.total;
  costs.chips.reserve(plan.chips.size());
  for (const partitioner::ChipPlan& chip : plan.chips) {
    ASSIGN_OR_RETURN(LayerPartCost cost, ChipCostOf(chip, plan, layers, c));
    costs.chips.push_back({cost.energy_j(), cost.time_s});
  }
  for (const partitioner::ChipPlan& chip : plan.dummy_chips) {
    ASSIGN_OR_RETURN(LayerPartCost cost, ChipCostOf(chip, plan, layers, c));
    costs.dummy_chips.push_back({cost.energy_j(), cost.time_s});
  }
  return costs;
}

absl::StatusOr<LayerPartCost> PlanBreakdown(
    const partitioner::GreedyPlan& plan, absl::Span<const LayerDesc> layers,
    const AccelModelConstants& c) {
  LayerPartCost total;
  for (const auto* chips : {&plan.chips, &plan.dummy_chips}) {
    for (const partitioner::ChipPlan& chip : *chips) {
      ASSIGN_OR_RETURN(LayerPartCost cost, ChipCostOf(chip, plan, layers, c));
      total.Add(cost);
    }
  }
  return total;
}

}  // namespace illusion::coordinator::scaled_out
