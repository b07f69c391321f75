#include "chipd/memory_planner.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Fails the test if two buffers with overlapping lifetimes share a byte, or an
// offset is misaligned, or the peak is not the high-water mark.
void ExpectValidPlan(const std::vector<BufferUse>& buffers,
                     const MemoryPlan& plan, int64_t alignment) {
  ASSERT_EQ(plan.offsets.size(), buffers.size());
  int64_t high_water = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_GE(plan.offsets[i], 0) << buffers[i].name;
    EXPECT_EQ(plan.offsets[i] % alignment, 0) << buffers[i].name;
    high_water = std::max(high_water, plan.offsets[i] + buffers[i].size_bytes);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!LifetimesOverlap(buffers[i], buffers[j])) continue;
      const bool disjoint =
          plan.offsets[i] + buffers[i].size_bytes <= plan.offsets[j] ||
          plan.offsets[j] + buffers[j].size_bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << buffers[i].name << " and " << buffers[j].name
                            << " are live together and overlap in memory";
    }
  }
  EXPECT_EQ(plan.peak_bytes, high_water);
}

TEST(MemoryPlannerTest, EmptyRequestNeedsNoArena) {
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory({}));
  EXPECT_TRUE(plan.offsets.empty());
  EXPECT_EQ(plan.peak_bytes, 0);
}

TEST(MemoryPlannerTest, BuffersLiveTogetherAreStackedLargestFirst) {
  std::vector<BufferUse> buffers = {
      {"a", 100, 0, 3}, {"b", 300, 1, 2}, {"c", 200, 2, 3}};
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers));
  EXPECT_THAT(plan.offsets, ElementsAre(500, 0, 300));
  EXPECT_EQ(plan.peak_bytes, 600);  // == sum, all live at op 2
  EXPECT_EQ(MaxLiveBytes(buffers), 600);
}

TEST(MemoryPlannerTest, BuffersWithDisjointLifetimesShareMemory) {
  // A chain: each op reads the previous output and writes the next.
  std::vector<BufferUse> buffers;
  for (int op = 0; op < 6; ++op) {
    buffers.push_back({absl::StrCat("t", op), 64 * (op + 1), op, op});
  }
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers));
  EXPECT_EQ(plan.peak_bytes, 6 * 64);  // the largest alone
  for (int64_t offset : plan.offsets) EXPECT_EQ(offset, 0);
}

TEST(MemoryPlannerTest, SmallBufferFillsAGapBetweenLargerOnes) {
  // "big1" and "big2" never meet, so they share offset 0; "mid" meets both
  // and goes above them; "small" meets only big2, so it reuses mid's bytes.
  std::vector<BufferUse> buffers = {{"big1", 400, 0, 1},
                                    {"big2", 400, 2, 3},
                                    {"mid", 100, 1, 2},
                                    {"small", 50, 3, 3}};
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers));
  ExpectValidPlan(buffers, plan, 4);
  EXPECT_EQ(plan.offsets[0], 0);
  EXPECT_EQ(plan.offsets[1], 0);
  EXPECT_EQ(plan.offsets[2], 400);
  EXPECT_EQ(plan.offsets[3], 400);  // mid is dead by op 3: reuses its bytes
  EXPECT_EQ(plan.peak_bytes, 500);
}

TEST(MemoryPlannerTest, OffsetsHonourTheAlignment) {
  std::vector<BufferUse> buffers = {
      {"odd", 7, 0, 1}, {"next", 3, 0, 1}, {"last", 5, 1, 1}};
  PlannerOptions options;
  options.alignment_bytes = 8;
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers, options));
  ExpectValidPlan(buffers, plan, 8);
  EXPECT_THAT(plan.offsets, ElementsAre(0, 16, 8));
  EXPECT_EQ(plan.peak_bytes, 19);
}

TEST(MemoryPlannerTest, RandomPlansAreValidAndAboveTheLiveBound) {
  std::mt19937 rng(20210125);  // fixed seed: reproducible
  for (int trial = 0; trial < 200; ++trial) {
    const int num_ops = 1 + rng() % 12;
    const int num_buffers = 1 + rng() % 25;
    std::vector<BufferUse> buffers;
    for (int i = 0; i < num_buffers; ++i) {
      const int first = rng() % num_ops;
      const int last = first + rng() % (num_ops - first);
      buffers.push_back({absl::StrCat("b", i),
                         static_cast<int64_t>(rng() % 1000), first, last});
    }
    PlannerOptions options;
    options.alignment_bytes = (trial % 2 == 0) ? 2 : 4;
    ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers, options));
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    ExpectValidPlan(buffers, plan, options.alignment_bytes);
    EXPECT_GE(plan.peak_bytes, MaxLiveBytes(buffers));
  }
}

TEST(MemoryPlannerTest, AllOverlappingPeakIsTheAlignedSum) {
  std::mt19937 rng(7);
  std::vector<BufferUse> buffers;
  int64_t sum = 0;
  for (int i = 0; i < 20; ++i) {
    const int64_t size = 4 * (1 + rng() % 100);  // multiples of the alignment
    buffers.push_back({absl::StrCat("b", i), size, 0, 5});
    sum += size;
  }
  ASSERT_OK_AND_ASSIGN(MemoryPlan plan, PlanMemory(buffers));
  ExpectValidPlan(buffers, plan, 4);
  EXPECT_EQ(plan.peak_bytes, sum);
  EXPECT_EQ(MaxLiveBytes(buffers), sum);
}

TEST(MemoryPlannerTest, RejectsInvalidBuffersByName) {
  EXPECT_THAT(PlanMemory({{"ok", 4, 0, 0}, {"conv1_out", 8, 3, 2}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'conv1_out'"), HasSubstr("last_use 2"),
                             HasSubstr("first_use 3"))));
  EXPECT_THAT(PlanMemory({{"psum", -4, 0, 0}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'psum'"), HasSubstr("size -4"))));
  EXPECT_THAT(PlanMemory({{"early", 4, -1, 0}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'early'"), HasSubstr("first_use -1"))));
  PlannerOptions options;
  options.alignment_bytes = 0;
  EXPECT_THAT(PlanMemory({{"a", 4, 0, 0}}, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("alignment is 0")));
}

TEST(MemoryPlannerTest, PlanLargerThanTheArenaIsResourceExhausted) {
  PlannerOptions options;
  options.arena_bytes = 8192;  // the MSP430 chip's SRAM
  std::vector<BufferUse> buffers = {{"in", 6000, 0, 1}, {"out", 4000, 1, 2}};
  EXPECT_THAT(PlanMemory(buffers, options),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("needs 10000"), HasSubstr("has 8192"))));
  options.arena_bytes = 10000;
  EXPECT_THAT(PlanMemory(buffers, options), common::IsOk());
}

}  // namespace
}  // namespace illusion::chipd
