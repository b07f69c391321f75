#ifndef ILLUSION_COORDINATOR_WEAR_WEAR_LEVELER_H_
#define ILLUSION_COORDINATOR_WEAR_WEAR_LEVELER_H_

// WearLeveler: the coordinator's half of Distributed ENDURER
// (specs/distributed_endurer.md §1.6-§1.8) on a live fleet. The chips do
// the per-chip half (write cache, rotation; chipd/nvm_wear.h); between
// inferences the coordinator, like the paper's driver loop, runs one round:
//
//   1. local remap of every virtual chip, in virtual-chip order, after
//      inference t when remap_period > 0, t != 0 and t % remap_period == 0
//      (the driver's "t != 0 && t % times_before_remap == 0");
//   2. distributed mode only: read every physical chip's write counter and
//      ask endurer::SwapPolicy; on a decision (heavy, light) export both
//      segments (flushing their caches), import each into the other (M
//      counted writes on each), exchange the two virtual chips' routes and
//      reload their slices on their new physical chips, then EPS += TAU^k;
//      at most one swap per round;
//   3. snapshot every physical chip's wear and the persisted state
//      (endurer::EndurerState: mode, swaps, v2p, per-virtual-chip offsets,
//      per-physical-chip counters, TAU, EPS, C).
//
// Remaps and swaps are maintenance between inferences: their NVM writes are
// counted as wear but not charged to any inference's energy or time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chipd/nvm_wear.h"
#include "coordinator/wear/routed_fleet.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"
#include "endurer/swap_policy.h"

namespace illusion::coordinator {

// Plain copyable struct; the defaults are the published ones.
struct WearLevelingConfig {
  // Off: chips keep their default NVM path and no round runs.
  bool enabled = false;
  // kNoResiliency counts writes only; kEndurer adds the cache and local
  // remaps; kDistributed also swaps chips.
  endurer::Mode mode = endurer::Mode::kDistributed;
  // Inferences between local remaps (the paper's times_before_remap: 1 run
  // = one remap period of 4 hours); 0 = never remap.
  int remap_period = 1;
  endurer::SwapPolicyParams policy = endurer::SwapPolicyParams::Defaults();
  uint32_t cache_entries = endurer::kDefaultCacheEntries;
  // Physical chip p draws its remap shifts from seed + p.
  uint64_t seed = 12345;
};

// InvalidArgument naming the field, its value and the valid range.
absl::Status ValidateWearLevelingConfig(const WearLevelingConfig& config);

struct WearRemap {
  int virtual_chip = 0;
  int physical_chip = 0;
  chipd::RemapOutcome outcome;
};

struct WearSwap {
  int heavy = 0;  // physical chips
  int light = 0;
  int heavy_virtual = 0;  // the virtual chip that moved from heavy to light
  int light_virtual = 0;  // and the one that moved the other way
  uint64_t heavy_count = 0;
  uint64_t light_count = 0;
  double threshold = 0;
  double eps_after = 0;
};

// What one round did and the state after it. Plain value.
struct WearRound {
  int inference = 0;
  std::vector<WearRemap> remaps;
  std::optional<WearSwap> swap;
  std::vector<chipd::WearReport> chips;  // per physical chip, without cells
  endurer::EndurerState state;
};

// Borrows the routed fleet (whose physical fleet it configures and drives).
// Not thread-safe: the runner's thread calls it between inferences.
class WearLeveler {
 public:
  // Reloads virtual chip k's slice onto the physical chip now routed to it.
  using Redeploy = std::function<absl::Status(int virtual_chip)>;

  // Validates `config` and configures the wear of every physical chip (the
  // chips' counters start at zero). Errors name the chip.
  static absl::StatusOr<std::unique_ptr<WearLeveler>> Create(const WearLevelingConfig& config,
                                                             RoutedFleet* fleet,
                                                             Redeploy redeploy);

  // One round after inference `inference` (0-based) completed.
  absl::StatusOr<WearRound> AfterInference(int inference);

  const WearLevelingConfig& config() const { return config_; }
  const endurer::SwapPolicy& policy() const { return policy_; }

 private:
  WearLeveler(const WearLevelingConfig& config, RoutedFleet* fleet, Redeploy redeploy)
      : config_(config), fleet_(fleet), redeploy_(std::move(redeploy)), policy_(config.policy) {}

  absl::StatusOr<WearSwap> Swap(int heavy, int light, double threshold,
                                const std::vector<uint64_t>& counts);

  const WearLevelingConfig config_;
  RoutedFleet* const fleet_;
  const Redeploy redeploy_;
  endurer::SwapPolicy policy_;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_WEAR_WEAR_LEVELER_H_
