#include "endurer/remapper.h"

#include <cstdint>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

constexpr uint32_t kM = 2048;

ChipRemapper MakeChip(Mode mode = Mode::kEndurer) {
  RemapperConfig config;
  config.mode = mode;
  absl::StatusOr<ChipRemapper> chip = ChipRemapper::Create(config);
  EXPECT_TRUE(chip.ok()) << chip.status();
  return *std::move(chip);
}

// Virtual word i holds i, everything flushed: 2048 writes.
ChipRemapper IdentityFilledChip() {
  ChipRemapper chip = MakeChip();
  for (uint32_t a = 0; a < kM; ++a) EXPECT_OK(chip.Write(a, static_cast<uint16_t>(a)));
  chip.Flush();
  EXPECT_EQ(chip.write_count(), kM);
  return chip;
}

TEST(ChipRemapperTest, RemapSemanticsWithInjectedShifts) {
  // Spec §5.4 check 2, with the three glibc shifts of seed 12345 plus
  // shifts with many rotation cycles.
  ChipRemapper chip = IdentityFilledChip();
  uint32_t expected_offset = 0;
  for (uint32_t s : {855u, 1909u, 1701u, 1024u, 512u, 2047u, 1u, 6u}) {
    const uint64_t before = chip.write_count();
    ASSERT_OK_AND_ASSIGN(RemapResult r, chip.RemapBy(s));
    expected_offset = (expected_offset + s) % kM;
    EXPECT_TRUE(r.applied);
    EXPECT_EQ(r.shift, s);
    EXPECT_EQ(r.new_offset, expected_offset);
    EXPECT_EQ(chip.offset(), expected_offset);
    EXPECT_EQ(r.writes, kM) << "a remap costs exactly M writes";
    EXPECT_EQ(chip.write_count() - before, 2048u);
    EXPECT_EQ(r.cycles, 1u << __builtin_ctz(s)) << "shift " << s;
    EXPECT_EQ(chip.image()[0], expected_offset) << "physical word 0 holds the offset";
    for (uint32_t a = 0; a < kM; ++a) {
      ASSERT_THAT(chip.Read(a), IsOkAndHolds(static_cast<uint16_t>(a))) << "shift " << s;
    }
  }
  for (uint64_t c : chip.cell_writes()) EXPECT_EQ(c, 1u + 8u) << "one write per cell per remap";
  EXPECT_EQ(chip.breakdown().remap, 8u * kM);
  EXPECT_EQ(chip.breakdown().workload, kM);
}

TEST(ChipRemapperTest, UpstreamOracleTwentyWritesAndRemaps) {
  // test_two_chips.c: 20 writes plus one remap -> M + 20; three more remaps
  // -> 4M + 20.
  ChipRemapper chip = MakeChip();
  SequenceShiftSource shifts({855, 1909, 1701, 1153});
  for (uint32_t a = 0; a < 20; ++a) ASSERT_OK(chip.Write(a, static_cast<uint16_t>(a + 100)));
  ASSERT_OK_AND_ASSIGN(RemapResult r, chip.Remap(shifts));
  EXPECT_EQ(r.flushed, 4u);
  EXPECT_EQ(chip.write_count(), kM + 20);
  for (int i = 0; i < 3; ++i) ASSERT_OK(chip.Remap(shifts).status());
  EXPECT_EQ(chip.write_count(), 4 * kM + 20);
  EXPECT_EQ(chip.offset(), (855u + 1909 + 1701 + 1153) % kM);
  for (uint32_t a = 0; a < 20; ++a) EXPECT_THAT(chip.Read(a), IsOkAndHolds(a + 100));
}

TEST(ChipRemapperTest, CachedWritesLandAtTranslatedAddresses) {
  ChipRemapper chip = MakeChip();
  ASSERT_OK(chip.RemapBy(100).status());
  EXPECT_EQ(chip.PhysicalAddress(100), 0u);
  EXPECT_EQ(chip.PhysicalAddress(5), (5 + kM - 100) % kM);
  ASSERT_OK(chip.Write(100, 0xBEEF));
  EXPECT_EQ(chip.pending(), 1u);
  EXPECT_THAT(chip.Read(100), IsOkAndHolds(0xBEEF));  // from the cache
  EXPECT_EQ(chip.image()[0], 0);                      // not yet in RRAM
  chip.Flush();
  EXPECT_EQ(chip.image()[0], 0xBEEF);
  EXPECT_EQ(chip.workload_writes_by_virtual_address()[100], 1u);
  EXPECT_EQ(chip.cell_writes()[0], 2u);  // remap + write-back
}

TEST(ChipRemapperTest, NoResiliencyWritesDirectlyAndNeverRemaps) {
  ChipRemapper chip = MakeChip(Mode::kNoResiliency);
  for (int i = 0; i < 10; ++i) ASSERT_OK(chip.Write(7, static_cast<uint16_t>(i)));
  EXPECT_EQ(chip.write_count(), 10u);
  EXPECT_EQ(chip.pending(), 0u);
  EXPECT_EQ(chip.cell_writes()[7], 10u);
  SequenceShiftSource shifts({5});
  ASSERT_OK_AND_ASSIGN(RemapResult r, chip.Remap(shifts));
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(shifts.draws(), 0u) << "no draw in no-resiliency mode";
  EXPECT_EQ(chip.write_count(), 10u);
  EXPECT_EQ(chip.offset(), 0u);
}

TEST(ChipRemapperTest, ExchangeHostedChipsMovesDataAndOffsetsNotCounters) {
  ChipRemapper a = MakeChip();
  ChipRemapper b = MakeChip();
  ASSERT_OK(a.RemapBy(300).status());
  for (uint32_t x = 0; x < 10; ++x) ASSERT_OK(a.Write(x, static_cast<uint16_t>(0xA000 + x)));
  ASSERT_OK(b.Write(3, 0xB003));
  const uint64_t a_before = a.write_count() + a.pending();  // pending lands first
  ASSERT_OK(ChipRemapper::ExchangeHostedChips(a, b));
  EXPECT_EQ(a.pending() + b.pending(), 0u);
  EXPECT_EQ(b.offset(), 300u);
  EXPECT_EQ(a.offset(), 0u);
  for (uint32_t x = 0; x < 10; ++x) EXPECT_THAT(b.Read(x), IsOkAndHolds(0xA000 + x));
  EXPECT_THAT(a.Read(3), IsOkAndHolds(0xB003));
  EXPECT_EQ(a.write_count(), a_before + kM);
  EXPECT_EQ(b.write_count(), 1 + kM);
  EXPECT_EQ(b.workload_writes_by_virtual_address()[0], 1u);  // travelled with the chip
  EXPECT_EQ(a.breakdown().migration, kM);
}

TEST(ChipRemapperTest, Errors) {
  ChipRemapper chip = MakeChip();
  EXPECT_THAT(chip.Write(2048, 1), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("2048")));
  EXPECT_THAT(chip.Read(4096), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(chip.RemapBy(0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shift 0 outside [1, 2047]")));
  EXPECT_THAT(chip.RemapBy(2048), StatusIs(absl::StatusCode::kInvalidArgument));
  SequenceShiftSource bad({0});
  EXPECT_THAT(chip.Remap(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ChipRemapper::ExchangeHostedChips(chip, chip),
              StatusIs(absl::StatusCode::kInvalidArgument));
  RemapperConfig config;
  config.segment_words = 1;
  EXPECT_THAT(ChipRemapper::Create(config), StatusIs(absl::StatusCode::kInvalidArgument));
  config.segment_words = 2048;
  config.cache_entries = 0;
  EXPECT_THAT(ChipRemapper::Create(config), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ChipRemapperTest, RestoreDiscardsCacheAndValidates) {
  ChipRemapper chip = MakeChip();
  ASSERT_OK(chip.Write(1, 1));
  EXPECT_OK(chip.Restore(Mode::kEndurer, 77, 1000));
  EXPECT_EQ(chip.pending(), 0u);
  EXPECT_EQ(chip.offset(), 77u);
  EXPECT_EQ(chip.write_count(), 1000u);
  EXPECT_THAT(chip.Restore(Mode::kEndurer, 2048, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 2048")));
  EXPECT_THAT(chip.Restore(Mode::kNoResiliency, 5, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ChipRemapperTest, NonPowerOfTwoSegmentRotatesInGcdCycles) {
  RemapperConfig config;
  config.segment_words = 12;
  ASSERT_OK_AND_ASSIGN(ChipRemapper chip, ChipRemapper::Create(config));
  for (uint32_t a = 0; a < 12; ++a) ASSERT_OK(chip.Write(a, static_cast<uint16_t>(a)));
  ASSERT_OK_AND_ASSIGN(RemapResult r, chip.RemapBy(8));
  EXPECT_EQ(r.cycles, 4u);
  EXPECT_EQ(r.writes, 12u);
  for (uint32_t a = 0; a < 12; ++a) EXPECT_THAT(chip.Read(a), IsOkAndHolds(a));
}

}  // namespace
}  // namespace illusion::endurer
