#include "coordinator/wear/wear_leveler.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::coordinator {
namespace {

absl::Status WithChip(const absl::Status& s, absl::string_view what, const ChipFleet& fleet,
                      int physical) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(what, " on ", fleet.Describe(physical), " (chip ",
                                             physical, "): ", s.message()));
}

}  // namespace

absl::Status ValidateWearLevelingConfig(const WearLevelingConfig& config) {
  if (config.remap_period < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "wear levelling remap_period must be >= 0 (0 = never); got ", config.remap_period));
  }
  if (config.cache_entries < 1 || config.cache_entries > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "wear levelling cache_entries must be in [1, 1024]; got ", config.cache_entries));
  }
  return endurer::ValidateSwapPolicyParams(config.policy);
}

absl::StatusOr<std::unique_ptr<WearLeveler>> WearLeveler::Create(const WearLevelingConfig& config,
                                                                 RoutedFleet* fleet,
                                                                 Redeploy redeploy) {
  RETURN_IF_ERROR(ValidateWearLevelingConfig(config));
  ChipFleet& physical = fleet->physical();
  for (int p = 0; p < physical.size(); ++p) {
    chipd::WearConfig chip;
    chip.mode = config.mode;
    chip.cache_entries = config.cache_entries;
    chip.activations_in_nvm = true;
    chip.seed = config.seed + static_cast<uint64_t>(p);
    RETURN_IF_ERROR(WithChip(physical.ConfigureWear(p, chip), "configuring wear", physical, p));
  }
  return std::unique_ptr<WearLeveler>(new WearLeveler(config, fleet, std::move(redeploy)));
}

absl::StatusOr<WearSwap> WearLeveler::Swap(int heavy, int light, double threshold,
                                           const std::vector<uint64_t>& counts) {
  ChipFleet& physical = fleet_->physical();
  WearSwap swap;
  swap.heavy = heavy;
  swap.light = light;
  swap.heavy_virtual = fleet_->VirtualOf(heavy);
  swap.light_virtual = fleet_->VirtualOf(light);
  swap.heavy_count = counts[heavy];
  swap.light_count = counts[light];
  swap.threshold = threshold;
  absl::StatusOr<chipd::NvmImage> heavy_image = physical.ExportNvm(heavy);
  RETURN_IF_ERROR(WithChip(heavy_image.status(), "swap: exporting NVM", physical, heavy));
  absl::StatusOr<chipd::NvmImage> light_image = physical.ExportNvm(light);
  RETURN_IF_ERROR(WithChip(light_image.status(), "swap: exporting NVM", physical, light));
  RETURN_IF_ERROR(
      WithChip(physical.ImportNvm(light, *heavy_image), "swap: importing NVM", physical, light));
  RETURN_IF_ERROR(
      WithChip(physical.ImportNvm(heavy, *light_image), "swap: importing NVM", physical, heavy));
  RETURN_IF_ERROR(fleet_->SwapRoutes(swap.heavy_virtual, swap.light_virtual));
  RETURN_IF_ERROR(redeploy_(swap.heavy_virtual));
  RETURN_IF_ERROR(redeploy_(swap.light_virtual));
  policy_.RecordSwap();
  swap.eps_after = policy_.eps();
  return swap;
}

absl::StatusOr<WearRound> WearLeveler::AfterInference(int inference) {
  ChipFleet& physical = fleet_->physical();
  const int chips = physical.size();
  WearRound round;
  round.inference = inference;
  const bool remap_now = config_.mode != endurer::Mode::kNoResiliency &&
                         config_.remap_period > 0 && inference != 0 &&
                         inference % config_.remap_period == 0;
  if (remap_now) {
    for (int v = 0; v < chips; ++v) {
      const int p = fleet_->PhysicalOf(v);
      absl::StatusOr<chipd::RemapOutcome> outcome = physical.Remap(p, std::nullopt);
      RETURN_IF_ERROR(WithChip(outcome.status(), "remap", physical, p));
      round.remaps.push_back({v, p, *outcome});
    }
  }
  if (config_.mode == endurer::Mode::kDistributed) {
    std::vector<uint64_t> counts(chips);
    for (int p = 0; p < chips; ++p) {
      absl::StatusOr<chipd::WearReport> wear = physical.GetWear(p, /*include_cells=*/false);
      RETURN_IF_ERROR(WithChip(wear.status(), "reading wear", physical, p));
      counts[p] = wear->write_count;
    }
    if (std::optional<endurer::SwapDecision> decision = policy_.Check(counts)) {
      ASSIGN_OR_RETURN(round.swap, Swap(static_cast<int>(decision->heavy),
                                        static_cast<int>(decision->light),
                                        policy_.Threshold(counts), counts));
    }
  }
  round.chips.reserve(chips);
  for (int p = 0; p < chips; ++p) {
    absl::StatusOr<chipd::WearReport> wear = physical.GetWear(p, /*include_cells=*/false);
    RETURN_IF_ERROR(WithChip(wear.status(), "reading wear", physical, p));
    round.chips.push_back(*std::move(wear));
  }
  endurer::EndurerState& state = round.state;
  state.mode = config_.mode;
  state.segment_words = chips > 0 ? round.chips[0].segment_words : endurer::kDefaultSegmentWords;
  state.swap_count = policy_.swap_count();
  state.policy = policy_.params();
  for (int v = 0; v < chips; ++v) {
    const int p = fleet_->PhysicalOf(v);
    state.v2p.push_back(static_cast<uint32_t>(p));
    state.offsets.push_back(round.chips[p].offset);
  }
  for (int p = 0; p < chips; ++p) state.counts.push_back(round.chips[p].write_count);
  return round;
}

}  // namespace illusion::coordinator
