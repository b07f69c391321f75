#include "coordinator/server/timeline_text.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace illusion::coordinator {
namespace {

// Higher = shown over lower.
int Rank(chipd::PowerState s) {
  switch (s) {
    case chipd::PowerState::kActive:
      return 2;
    case chipd::PowerState::kWaking:
    case chipd::PowerState::kShuttingDown:
      return 1;
    default:
      return 0;
  }
}

constexpr char kGlyph[] = {'.', '+', '#'};

std::string Duration(int64_t ns) {
  if (ns >= 1000000000) return absl::StrFormat("%.3f s", ns * 1e-9);
  if (ns >= 1000000) return absl::StrFormat("%.3f ms", ns * 1e-6);
  if (ns >= 1000) return absl::StrFormat("%.3f us", ns * 1e-3);
  return absl::StrFormat("%d ns", ns);
}

}  // namespace

std::vector<TimelineInterval> TimelineIntervals(const RunRecord& record) {
  std::vector<TimelineInterval> out;
  for (const WakeUpRecord& w : record.wake_ups) {
    for (const chipd::PowerInterval& i : w.intervals) {
      out.push_back(TimelineInterval{w.chip, i.state, i.start_ns, i.end_ns});
    }
  }
  return out;
}

std::string FormatTimeline(absl::Span<const TimelineInterval> intervals, int num_chips,
                           int64_t end_ns, int width) {
  if (end_ns <= 0 || num_chips <= 0) return "timeline: the run is empty\n";
  width = std::max(width, 10);
  std::vector<std::vector<int>> rank(num_chips, std::vector<int>(width, 0));
  std::vector<int64_t> busy_ns(num_chips, 0);
  for (const TimelineInterval& i : intervals) {
    if (i.chip < 0 || i.chip >= num_chips || i.end_ns <= i.start_ns) continue;
    const int r = Rank(i.state);
    if (r == 0) continue;
    busy_ns[i.chip] += i.end_ns - i.start_ns;
    const int first = static_cast<int>(std::min<int64_t>(
        width - 1, static_cast<int64_t>(static_cast<double>(i.start_ns) / end_ns * width)));
    const int last = static_cast<int>(std::min<int64_t>(
        width - 1, static_cast<int64_t>(static_cast<double>(i.end_ns - 1) / end_ns * width)));
    for (int c = std::max(first, 0); c <= last; ++c) {
      rank[i.chip][c] = std::max(rank[i.chip][c], r);
    }
  }
  std::string out = absl::StrFormat("timeline: 0 .. %s, %s per column  (# active, + waking or "
                                    "shutting down, . asleep)\n",
                                    Duration(end_ns), Duration(std::max<int64_t>(1, end_ns / width)));
  for (int chip = 0; chip < num_chips; ++chip) {
    std::string row;
    row.reserve(width);
    for (int c = 0; c < width; ++c) row.push_back(kGlyph[rank[chip][c]]);
    out += absl::StrFormat("chip %-3d |%s| %5.1f%% busy\n", chip, row,
                           100.0 * static_cast<double>(busy_ns[chip]) / end_ns);
  }
  return out;
}

}  // namespace illusion::coordinator
