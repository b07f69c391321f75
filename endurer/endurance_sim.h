// Fast-forward endurance simulator: years of (Distributed) ENDURER
// operation in milliseconds, without replaying inferences.
//
// Between two local remaps a virtual chip's offset is fixed, so its
// per-inference write pattern lands on fixed physical cells: one remap
// period is applied as one addition per pattern address (scaled from the
// pattern's inference count to the inferences of a period). The period then
// ends as in the published driver (spec §1.8), per virtual chip in order:
//
//   pattern writes of chip v -> local remap of v (random shift, +1 write on
//   every cell of its segment, counter += M)
//   after all chips, distributed mode: at most one swap (policy check;
//   +1 write on every cell of both segments, counters += M each, the
//   virtual chips and their offsets change places)
//
// Remaps and swaps touch every cell once, so they are kept as one lazy
// per-segment count instead of M additions. Stuck bits come from a
// WearModel (per-bit lifetimes); a bit's failure is detected in the period
// its cell reaches the lifetime (an O(1) test per segment per period and a
// segment scan only when some bit fails). Results are snapshotted at
// checkpoints (day, week, month, year, ten years by default).
//
// In no-resiliency mode there is no cache, remap or swap: give the raw
// (uncached) pattern, e.g. WritePatternsFromTrace with kNoResiliency.
//
// RunEnduranceSim is a free function; it owns all its state; thread-safe
// for distinct arguments.

#ifndef ILLUSION_ENDURER_ENDURANCE_SIM_H_
#define ILLUSION_ENDURER_ENDURANCE_SIM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"
#include "endurer/shift_source.h"
#include "endurer/swap_policy.h"
#include "endurer/wear_model.h"
#include "endurer/write_pattern.h"

namespace illusion::endurer {

struct Checkpoint {
  std::string name;
  double hours = 0;
};

// day 24 h, week 168 h, month 720 h (30 days), year 8,760 h, ten_years
// 87,600 h: the paper's timepoints (6 / 42 / 180 / 2,190 / 21,900 periods of
// 4 h).
std::vector<Checkpoint> DefaultCheckpoints();

struct EnduranceSimConfig {
  Mode mode = Mode::kDistributed;
  uint32_t chips = kDefaultChips;
  uint32_t segment_words = kDefaultSegmentWords;
  double remap_period_hours = 4;  // simulation step and local-remap period
  // Seconds per inference; the patterns are scaled to
  // remap_period_hours * 3600 / inference_period_s inferences per period.
  // 0: every pattern is exactly one period's load (one trace run = 4 h).
  double inference_period_s = 0;
  SwapPolicyParams policy = SwapPolicyParams::Defaults();  // distributed mode
  std::vector<Checkpoint> checkpoints = DefaultCheckpoints();
  double horizon_hours = 0;     // 0: the last checkpoint
  uint64_t shift_seed = 12345;  // SeededShiftSource, unless a source is given
  bool simulate_wear = true;    // false: write counts only
  EnduranceDistribution wear;   // used unless a WearModel is given
  uint64_t wear_seed = 1;
  uint64_t lifetime_stuck_bits = 1;  // a segment's life ends at this many stuck bits
  // Also list every stuck bit (position and value) at each checkpoint, e.g.
  // to turn them into fault maps; off by default (up to 16 x chips x M).
  bool record_stuck_bits = false;
};

struct SegmentSnapshot {
  uint32_t phys = 0;
  uint32_t virt = 0;             // virtual chip hosted at that time
  uint64_t writes = 0;           // write counter (all causes)
  uint64_t max_cell_writes = 0;  // hottest cell
  double mean_cell_writes = 0;   // writes / M
  StuckCounts stuck;             // stuck bits in the segment
};

struct CheckpointResult {
  std::string name;
  double hours = 0;  // simulated time (whole periods)
  uint64_t periods = 0;
  uint64_t swaps = 0;
  double eps = 0;
  uint64_t stuck_bits = 0;                // all segments
  uint64_t max_cell_writes = 0;           // all segments
  std::vector<SegmentSnapshot> segments;  // per physical chip
  std::vector<uint32_t> v2p;              // virtual -> physical chip at that time
  std::vector<uint32_t> offsets;          // per virtual chip (physical = virtual - offset mod M)
  // record_stuck_bits only: every stuck bit of every physical chip, by chip,
  // then word, then failure order.
  std::vector<StuckBit> stuck_bit_list;
};

struct SimSwapEvent {
  uint64_t period = 0;  // 1-based period after which it happened
  double hours = 0;
  uint32_t heavy = 0;
  uint32_t light = 0;
  double eps_after = 0;
};

struct EnduranceSimResult {
  uint64_t periods = 0;
  double hours = 0;
  uint64_t remaps = 0;
  uint64_t swaps = 0;
  std::vector<SimSwapEvent> swap_events;
  std::vector<CheckpointResult> checkpoints;
  // Per physical chip: when it first had lifetime_stuck_bits stuck bits.
  std::vector<std::optional<double>> segment_lifetime_hours;
  std::optional<double> lifetime_hours;       // the first segment to die
  std::optional<double> first_failure_hours;  // the first stuck bit anywhere
  uint64_t max_cell_writes = 0;               // hottest cell at the end
  // Hours until the hottest cell reaches the median endurance at the
  // observed rate (a write-count lifetime, independent of the draws).
  double projected_median_lifetime_hours = 0;
  EndurerState end_state;
};

// Validates the patterns (chip < chips, address < M, inferences > 0) and
// config (periods > 0, at most 10^8 periods); InvalidArgument otherwise.
// `shifts` (may be null) and `wear` (may be null; must match chips x M)
// are borrowed for the call.
absl::StatusOr<EnduranceSimResult> RunEnduranceSim(absl::Span<const WritePattern> patterns,
                                                   const EnduranceSimConfig& config,
                                                   ShiftSource* shifts = nullptr,
                                                   const WearModel* wear = nullptr);

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_ENDURANCE_SIM_H_
