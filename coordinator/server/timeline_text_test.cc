#include "coordinator/server/timeline_text.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator {
namespace {

using chipd::PowerState;
using ::testing::HasSubstr;

TEST(TimelineTextTest, DrawsEachChipsBusyBuckets) {
  // Chip 0 active over the first half, chip 1 waking in the last tenth.
  const std::vector<TimelineInterval> intervals = {
      {0, PowerState::kActive, 0, 500},
      {0, PowerState::kOff, 500, 1000},
      {1, PowerState::kOff, 0, 900},
      {1, PowerState::kWaking, 900, 1000},
  };
  const std::string text = FormatTimeline(intervals, 2, 1000, 10);
  EXPECT_THAT(text, HasSubstr("chip 0   |#####.....|  50.0% busy"));
  EXPECT_THAT(text, HasSubstr("chip 1   |.........+|  10.0% busy"));
}

TEST(TimelineTextTest, AShortActivityStaysVisible) {
  const std::vector<TimelineInterval> intervals = {{0, PowerState::kActive, 333, 334}};
  EXPECT_THAT(FormatTimeline(intervals, 1, 1000, 10), HasSubstr("|...#......|"));
}

TEST(TimelineTextTest, AnEmptyRunSaysSo) {
  EXPECT_THAT(FormatTimeline({}, 3, 0), HasSubstr("empty"));
}

}  // namespace
}  // namespace illusion::coordinator
