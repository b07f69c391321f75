// Replays a parsed write trace through an EndurerSystem, following the
// published driver loop (spec §1.8, run_endurer):
//
//   for run t in 0 .. runs-1:
//     for virtual chip c in 0 .. chips-1:
//       write every trace record of chip c, in order
//       remap chip c if the schedule says so
//     distributed mode: at most one swap (policy check) per round
//
// Remap schedule, per virtual chip: with remap_every_writes = N > 0, right
// after every N-th trace write to that chip; otherwise with
// remap_every_passes = K > 0, after the chip's pass t when t != 0 and
// t % K == 0 (the upstream rule: with one run there is no remap); both 0:
// never. Nothing is flushed at the end: `pending` counts what is still in
// the write caches.
//
// Also derives WritePatterns (NVM writes per virtual address for one run)
// for the fast-forward simulator. Free functions; no I/O; thread-safe for
// distinct arguments (an injected ShiftSource is used, not shared safely).

#ifndef ILLUSION_ENDURER_TRACE_REPLAY_H_
#define ILLUSION_ENDURER_TRACE_REPLAY_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"
#include "endurer/shift_source.h"
#include "endurer/swap_policy.h"
#include "endurer/trace.h"
#include "endurer/write_pattern.h"

namespace illusion::endurer {

struct ReplayOptions {
  Mode mode = Mode::kEndurer;
  uint32_t chips = kDefaultChips;
  uint32_t segment_words = kDefaultSegmentWords;
  uint32_t cache_entries = kDefaultCacheEntries;
  uint64_t runs = 1;                // passes over the trace (>= 1)
  uint64_t remap_every_writes = 0;  // see the schedule above
  uint64_t remap_every_passes = 1;
  uint64_t seed = 12345;          // shift source seed (SeededShiftSource)
  ShiftSource* shifts = nullptr;  // if set, used instead of `seed`; not owned
  SwapPolicyParams policy = SwapPolicyParams::Defaults();  // distributed mode
};

struct SwapEvent {
  uint64_t run = 0;    // 0-based run after which the swap happened
  uint32_t heavy = 0;  // physical chips
  uint32_t light = 0;
  double eps_after = 0;
};

struct ReplaySummary {
  Mode mode = Mode::kEndurer;
  uint64_t trace_lines = 0;  // records in the trace
  uint64_t runs = 0;
  uint64_t logical_writes = 0;    // trace writes issued (lines x runs)
  uint64_t nvm_writes = 0;        // RRAM word writes, all causes (sum of per_chip_writes)
  uint64_t workload_writes = 0;   // of which write path (cache write-backs, direct writes)
  uint64_t remap_writes = 0;      // of which local-remap rotations (M per remap)
  uint64_t migration_writes = 0;  // of which swap copies (2 M per swap)
  uint64_t pending = 0;           // entries still in the write caches
  uint64_t remaps = 0;
  uint64_t swaps = 0;
  std::vector<SwapEvent> swap_events;
  std::vector<uint64_t> per_chip_writes;  // per physical chip
  EndurerState end_state;                 // v2p, offsets, counters, TAU/EPS/C (caches NOT flushed)
};

// InvalidArgument "line N: chip C outside [0, chips)" / OutOfRange "line N:
// address 0x... past the M-word segment" for records that do not fit, or
// bad options.
absl::StatusOr<ReplaySummary> ReplayTrace(absl::Span<const TraceRecord> records,
                                          const ReplayOptions& options);

struct PatternOptions {
  Mode mode = Mode::kEndurer;  // kNoResiliency: every write reaches RRAM
  uint32_t chips = kDefaultChips;
  uint32_t segment_words = kDefaultSegmentWords;
  uint32_t cache_entries = kDefaultCacheEntries;
  double inferences_per_run = 1;  // e.g. 411 for the SVHN trace
};

// One WritePattern per virtual chip (0 .. chips-1; chips without records
// get an empty pattern): the NVM writes per virtual address of ONE run
// through a fresh write path, followed by a flush, since the remap at the
// end of every period writes the cache back (SVHN: 61,652 + 4 = 61,656 in
// ENDURER mode, 250,724 without resiliency). Errors as ReplayTrace.
absl::StatusOr<std::vector<WritePattern>> WritePatternsFromTrace(
    absl::Span<const TraceRecord> records, const PatternOptions& options);

}  // namespace illusion::endurer

#endif  // ILLUSION_ENDURER_TRACE_REPLAY_H_
