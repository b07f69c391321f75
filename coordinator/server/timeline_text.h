#ifndef ILLUSION_COORDINATOR_SERVER_TIMELINE_TEXT_H_
#define ILLUSION_COORDINATOR_SERVER_TIMELINE_TEXT_H_

// A run's per-chip timeline as text: one row per physical chip over the
// global virtual timeline [0, T_total], one column per time bucket:
//   '#' active   '+' waking or shutting down   '.' power-gated (sleep)
// A bucket shows the busiest state any part of it was in, so short
// activities stay visible. Works from a RunRecord's wake-up intervals or
// from the trace store's power_intervals rows.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "coordinator/run_record.h"

namespace illusion::coordinator {

// One interval of one chip; state as chipd::PowerState. Plain value type.
struct TimelineInterval {
  int chip = 0;
  chipd::PowerState state = chipd::PowerState::kOff;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

// Every wake-up interval of `record`.
std::vector<TimelineInterval> TimelineIntervals(const RunRecord& record);

// The chart: a header with the time scale, then "chip k |....##+...| 12.3%"
// rows (the busy share) for chips 0..num_chips-1, `width` >= 10 columns over
// [0, end_ns] (end_ns > 0; else one line saying the run is empty).
std::string FormatTimeline(absl::Span<const TimelineInterval> intervals, int num_chips,
                           int64_t end_ns, int width = 72);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_SERVER_TIMELINE_TEXT_H_
