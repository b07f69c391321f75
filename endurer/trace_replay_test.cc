#include "endurer/trace_replay.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "endurer/reference_files.h"
#include "endurer/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kM = 2048;

std::vector<TraceRecord> Parse(const std::string& text) {
  absl::StatusOr<std::vector<TraceRecord>> r = ParseTrace(text);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<TraceRecord>{};
}

TEST(TraceReplayTest, SvhnTraceGives61652NvmWritesPlus4Pending) {
  REQUIRE_ENDURER_REFERENCE_FILE(text, testing::kSvhnTrace);
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> records, ParseTrace(text, "svhn"));
  ASSERT_EQ(records.size(), 250724u);
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(records, ReplayOptions{}));
  EXPECT_EQ(s.nvm_writes, 61652u);
  EXPECT_EQ(s.pending, 4u);
  EXPECT_EQ(s.remaps, 0u) << "one run: the upstream driver remaps only from run 1";
  EXPECT_EQ(s.swaps, 0u);
  EXPECT_EQ(s.logical_writes, 250724u);
  EXPECT_THAT(s.per_chip_writes, ElementsAre(61652, 0, 0, 0, 0, 0, 0, 0));
}

TEST(TraceReplayTest, SvhnTwoRunsRemapEveryChipOnceAtExactlyMWrites) {
  REQUIRE_ENDURER_REFERENCE_FILE(text, testing::kSvhnTrace);
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> records, ParseTrace(text, "svhn"));
  ReplayOptions options;
  options.runs = 2;
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(records, options));
  EXPECT_EQ(s.remaps, 8u);
  EXPECT_EQ(s.remap_writes, 8 * kM);
  // Run 0: 61,652 (+4 pending, no remap at t = 0). Run 1 starts with those
  // 4 in the cache: its first write (0x7bf, not among them) writes them
  // back, then the run repeats run 0 (61,652) and the remap flushes the
  // last 4.
  EXPECT_EQ(s.workload_writes, 61652u + (4u + 61652u + 4u));
  EXPECT_EQ(s.nvm_writes, s.workload_writes + 8 * kM);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.per_chip_writes[0], 61652u + 61660u + kM);
  EXPECT_EQ(s.per_chip_writes[1], kM);
}

TEST(TraceReplayTest, SvhnWithoutResiliencyWritesEveryLine) {
  REQUIRE_ENDURER_REFERENCE_FILE(text, testing::kSvhnTrace);
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> records, ParseTrace(text, "svhn"));
  ReplayOptions options;
  options.mode = Mode::kNoResiliency;
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(records, options));
  EXPECT_EQ(s.nvm_writes, 250724u);
  EXPECT_EQ(s.pending, 0u);
}

TEST(TraceReplayTest, SvhnWritePatternsMatchTheReferenceSummary) {
  REQUIRE_ENDURER_REFERENCE_FILE(text, testing::kSvhnTrace);
  REQUIRE_ENDURER_REFERENCE_FILE(per_address, "endurer/svhn_write_pattern_per_address.csv");
  ASSERT_OK_AND_ASSIGN(std::vector<TraceRecord> records, ParseTrace(text, "svhn"));
  PatternOptions options;
  options.inferences_per_run = 411;
  ASSERT_OK_AND_ASSIGN(std::vector<WritePattern> cached, WritePatternsFromTrace(records, options));
  ASSERT_EQ(cached.size(), 8u);
  EXPECT_EQ(cached[0].total(), 61656u) << "61,652 + the 4 the remap flushes";
  EXPECT_EQ(cached[0].writes.size(), 64u);
  EXPECT_EQ(cached[0].writes.front().address, 0x7bfu);
  EXPECT_EQ(cached[0].writes.back().address, 0x7feu);
  EXPECT_EQ(cached[0].inferences, 411);
  EXPECT_TRUE(cached[1].writes.empty());

  options.mode = Mode::kNoResiliency;
  ASSERT_OK_AND_ASSIGN(std::vector<WritePattern> raw, WritePatternsFromTrace(records, options));
  EXPECT_EQ(raw[0].total(), 250724u);
  // Column 3 of svhn_write_pattern_per_address.csv: writes per run per word.
  std::vector<std::string> lines = absl::StrSplit(per_address, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 65u);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(lines[i], ',');
    ASSERT_GE(f.size(), 3u) << lines[i];
    uint32_t addr = 0;
    uint64_t writes = 0;
    ASSERT_TRUE(absl::SimpleHexAtoi(f[0], &addr)) << f[0];
    ASSERT_TRUE(absl::SimpleAtoi(f[2], &writes)) << f[2];
    EXPECT_EQ(raw[0].writes[i - 1].address, addr);
    EXPECT_EQ(raw[0].writes[i - 1].writes, writes) << "address " << f[0];
  }
}

TEST(TraceReplayTest, RemapEveryNWritesPerChip) {
  // Chip 0: 10 writes to distinct addresses; chip 1: 3 writes.
  std::string text;
  for (int i = 0; i < 10; ++i) absl::StrAppend(&text, "0,", i, ",1\n");
  for (int i = 0; i < 3; ++i) absl::StrAppend(&text, "1,", i, ",1\n");
  ReplayOptions options;
  options.remap_every_writes = 4;
  SequenceShiftSource shifts({5});
  options.shifts = &shifts;
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(Parse(text), options));
  // Chip 0 remaps after writes 4 and 8 (each flushing 4 entries); 2 pending.
  EXPECT_EQ(s.remaps, 2u);
  EXPECT_EQ(s.per_chip_writes[0], 8 + 2 * kM);
  EXPECT_EQ(s.per_chip_writes[1], 0u);
  EXPECT_EQ(s.pending, 2u + 3u);
  EXPECT_EQ(s.end_state.offsets[0], 10u);
  EXPECT_EQ(s.end_state.offsets[1], 0u);

  options.remap_every_writes = 0;
  options.remap_every_passes = 0;  // never
  options.runs = 3;
  ASSERT_OK_AND_ASSIGN(ReplaySummary never, ReplayTrace(Parse(text), options));
  EXPECT_EQ(never.remaps, 0u);
}

TEST(TraceReplayTest, PerPassScheduleFollowsTheUpstreamDriver) {
  const std::string text = "0,0001,0001\n2,0002,0002\n";
  ReplayOptions options;
  options.runs = 5;
  options.remap_every_passes = 2;  // t = 2 and 4
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(Parse(text), options));
  EXPECT_EQ(s.remaps, 2u * 8);
  EXPECT_EQ(s.remap_writes, 16 * kM);
}

TEST(TraceReplayTest, DistributedSwapsOncePerRound) {
  // C = 0, EPS = 0: after run 0 chip 0 is above the mean and swaps with
  // physical chip 1.
  std::string text;
  for (int i = 0; i < 8; ++i) absl::StrAppend(&text, "0,", i, ",7\n");
  ReplayOptions options;
  options.mode = Mode::kDistributed;
  options.policy = {0.5, 0.0, 0};
  options.remap_every_passes = 0;
  ASSERT_OK_AND_ASSIGN(ReplaySummary s, ReplayTrace(Parse(text), options));
  ASSERT_EQ(s.swaps, 1u);
  EXPECT_EQ(s.swap_events[0].heavy, 0u);
  EXPECT_EQ(s.swap_events[0].light, 1u);
  EXPECT_DOUBLE_EQ(s.swap_events[0].eps_after, 0.5);
  EXPECT_EQ(s.migration_writes, 2 * kM);
  EXPECT_EQ(s.pending, 0u) << "the swap flushed chip 0";
  EXPECT_EQ(s.end_state.v2p[0], 1u);
  EXPECT_EQ(s.per_chip_writes[0], 8 + kM);
  EXPECT_EQ(s.per_chip_writes[1], kM);
}

TEST(TraceReplayTest, RecordsThatDoNotFitNameTheLine) {
  ReplayOptions options;
  EXPECT_THAT(ReplayTrace(Parse("0,0000,0000\n8,0000,0001\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2: chip 8 outside [0, 8) in '8,0000,0001'")));
  EXPECT_THAT(ReplayTrace(Parse("0,0800,0000\n"), options),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("line 1: address 0x0800 past the 2048-word segment")));
  options.runs = 0;
  EXPECT_THAT(ReplayTrace(Parse("0,0000,0000\n"), options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PatternOptions p;
  p.inferences_per_run = 0;
  EXPECT_THAT(WritePatternsFromTrace(Parse("0,0000,0000\n"), p),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace illusion::endurer
