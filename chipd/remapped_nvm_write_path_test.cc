#include "chipd/remapped_nvm_write_path.h"

#include <cstdint>
#include <memory>
#include <numeric>

#include "absl/status/status.h"
#include "chipd/nvm_wear.h"
#include "common/status_matchers.h"
#include "endurer/mode.h"
#include "endurer/remapper.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::HasSubstr;

// msp430_rram with activations in NVM: (4096 + 8192) bytes / 2.
constexpr uint32_t kChipWords = 6144;

std::unique_ptr<RemappedNvmWritePath> MakePath(endurer::Mode mode, uint32_t words,
                                               uint32_t cache_entries = 4) {
  absl::StatusOr<std::unique_ptr<RemappedNvmWritePath>> path =
      RemappedNvmWritePath::Create(endurer::RemapperConfig{mode, words, cache_entries});
  EXPECT_THAT(path.status(), IsOk());
  return path.ok() ? *std::move(path) : nullptr;
}

uint64_t Sum(absl::Span<const uint64_t> counts) {
  return std::accumulate(counts.begin(), counts.end(), uint64_t{0});
}

TEST(RemappedNvmWritePathTest, CacheCoalescesRepeatedAndDelaysDistinctWrites) {
  std::unique_ptr<RemappedNvmWritePath> path = MakePath(endurer::Mode::kEndurer, kChipWords);
  ASSERT_NE(path, nullptr);
  // The same address ten times: absorbed by one cache entry.
  for (int i = 0; i < 10; ++i) ASSERT_THAT(path->Write(100, static_cast<uint16_t>(i)), IsOk());
  EXPECT_EQ(path->total_writes(), 0);
  EXPECT_THAT(path->Read(100), IsOkAndHolds(9));
  // Eight more distinct addresses: 9 distinct in all with S = 4 -> two full
  // write-backs (8 writes) and one entry still pending.
  for (int a = 0; a < 8; ++a) ASSERT_THAT(path->Write(200 + a, 0xA0 + a), IsOk());
  EXPECT_EQ(path->total_writes(), 8);
  EXPECT_EQ(path->remapper().pending(), 1u);
  ASSERT_THAT(path->Flush(), IsOk());
  EXPECT_EQ(path->total_writes(), 9);
  EXPECT_EQ(Sum(path->physical_write_counts()), 9u);
  EXPECT_EQ(path->remapper().pending(), 0u);
  EXPECT_THAT(path->Read(205), IsOkAndHolds(0xA5));
}

TEST(RemappedNvmWritePathTest, NoResiliencyWritesGoStraightToTheUntranslatedWord) {
  std::unique_ptr<RemappedNvmWritePath> path =
      MakePath(endurer::Mode::kNoResiliency, kChipWords);
  ASSERT_NE(path, nullptr);
  ASSERT_THAT(path->Write(7, 1), IsOk());
  ASSERT_THAT(path->Write(7, 2), IsOk());
  EXPECT_EQ(path->total_writes(), 2);
  EXPECT_EQ(path->physical_write_counts()[7], 2u);
  // A remap is a no-op without resiliency.
  ASSERT_OK_AND_ASSIGN(endurer::RemapResult r, path->RemapBy(5));
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(path->total_writes(), 2);
  EXPECT_EQ(path->remaps(), 0u);
}

TEST(RemappedNvmWritePathTest, RemapOfANonPowerOfTwoSegmentCostsMAndKeepsValues) {
  std::unique_ptr<RemappedNvmWritePath> path = MakePath(endurer::Mode::kEndurer, kChipWords);
  ASSERT_NE(path, nullptr);
  for (uint32_t a = 0; a < kChipWords; a += 97) {
    ASSERT_THAT(path->Write(a, static_cast<uint16_t>(a ^ 0x5A5A)), IsOk());
  }
  ASSERT_THAT(path->Flush(), IsOk());
  const int64_t before = path->total_writes();
  ASSERT_OK_AND_ASSIGN(endurer::RemapResult r, path->RemapBy(1536));  // gcd = 1536
  EXPECT_TRUE(r.applied);
  EXPECT_EQ(r.writes, kChipWords);
  EXPECT_EQ(r.cycles, 1536u);
  EXPECT_EQ(path->total_writes() - before, kChipWords);
  ASSERT_OK_AND_ASSIGN(r, path->RemapBy(4097));
  EXPECT_EQ(r.new_offset, (1536u + 4097u) % kChipWords);
  EXPECT_EQ(path->total_writes() - before, 2 * int64_t{kChipWords});
  EXPECT_EQ(path->remaps(), 2u);
  for (uint32_t a = 0; a < kChipWords; a += 97) {
    ASSERT_THAT(path->Read(a), IsOkAndHolds(static_cast<uint16_t>(a ^ 0x5A5A))) << a;
  }
  EXPECT_THAT(path->Read(1), IsOkAndHolds(0));
}

TEST(RemappedNvmWritePathTest, ImportCostsMWritesAndAdoptsTheOffset) {
  std::unique_ptr<RemappedNvmWritePath> a = MakePath(endurer::Mode::kEndurer, kChipWords);
  std::unique_ptr<RemappedNvmWritePath> b = MakePath(endurer::Mode::kEndurer, kChipWords);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (uint32_t v = 0; v < 10; ++v) ASSERT_THAT(a->Write(v * 600, 1000 + v), IsOk());
  ASSERT_THAT(a->RemapBy(3001).status(), IsOk());
  ASSERT_THAT(a->Write(6000, 0xFFFF), IsOk());  // pending until the export
  const int64_t a_before = a->total_writes();
  const NvmImage image = a->Export();
  EXPECT_EQ(a->total_writes() - a_before, 1);  // the flushed entry
  EXPECT_EQ(image.offset, 3001u);
  ASSERT_EQ(image.words.size(), kChipWords);

  ASSERT_THAT(b->Write(5, 77), IsOk());  // cached; discarded by the import
  ASSERT_THAT(b->Import(image), IsOk());
  EXPECT_EQ(b->total_writes(), int64_t{kChipWords});
  EXPECT_THAT(b->physical_write_counts(), Each(1u));
  EXPECT_EQ(b->remapper().offset(), 3001u);
  EXPECT_EQ(b->remapper().pending(), 0u);
  for (uint32_t v = 0; v < kChipWords; ++v) {
    ASSERT_EQ(*b->Read(v), *a->Read(v)) << v;
  }
  EXPECT_THAT(b->Read(6000), IsOkAndHolds(0xFFFF));
}

TEST(RemappedNvmWritePathTest, RejectsBadShiftsImagesAndAddressesNamingTheLimit) {
  std::unique_ptr<RemappedNvmWritePath> path = MakePath(endurer::Mode::kEndurer, kChipWords);
  ASSERT_NE(path, nullptr);
  EXPECT_THAT(path->RemapBy(0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("remap shift 0 outside [1, 6143]")));
  EXPECT_THAT(path->RemapBy(kChipWords).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shift 6144")));
  NvmImage short_image;
  short_image.words.resize(10);
  EXPECT_THAT(path->Import(short_image),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("10 words"), HasSubstr("6144"))));
  NvmImage bad_offset;
  bad_offset.words.resize(kChipWords);
  bad_offset.offset = kChipWords;
  EXPECT_THAT(path->Import(bad_offset),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offset 6144 outside [0, 6143]")));
  EXPECT_EQ(path->total_writes(), 0);
  EXPECT_THAT(path->Write(kChipWords, 1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("6144 words")));
  EXPECT_THAT(path->Write(-1, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(RemappedNvmWritePath::Create(
                  endurer::RemapperConfig{endurer::Mode::kEndurer, kChipWords, 0})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cache_entries 0 outside [1, 1024]")));
}

}  // namespace
}  // namespace illusion::chipd
