#include "endurer/endurer_system.h"

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kM = 2048;

EndurerSystem MakeSystem(Mode mode, ShiftSource* shifts, SwapPolicyParams policy = {}) {
  EndurerSystemOptions options;
  options.mode = mode;
  options.policy = policy;
  absl::StatusOr<EndurerSystem> sys = EndurerSystem::Create(options, shifts);
  EXPECT_TRUE(sys.ok()) << sys.status();
  return *std::move(sys);
}

TEST(EndurerSystemTest, DistributedOracleCounts) {
  // In the spirit of test_distributed.c: remaps on chips 0 and 1, a swap,
  // more remaps, then writes; the running counts are in the comments.
  SequenceShiftSource shifts({855, 1909, 1701, 1153, 49});
  EndurerSystem sys = MakeSystem(Mode::kDistributed, &shifts);
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(sys.Remap(0).status());
    ASSERT_OK(sys.Remap(1).status());
  }                           // p0 = 2M, p1 = 2M
  ASSERT_OK(sys.Swap(0, 1));  // p0 = 3M, p1 = 3M; v0 on p1
  EXPECT_EQ(sys.physical_of(0), 1u);
  EXPECT_EQ(sys.physical_of(1), 0u);
  EXPECT_EQ(sys.virtual_of(1), 0u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(sys.Remap(0).status());  // p1
    ASSERT_OK(sys.Remap(2).status());  // p2
  }                                    // p1 = 5M, p2 = 2M
  ASSERT_OK(sys.Remap(1).status());    // p0 = 4M
  ASSERT_OK(sys.Remap(2).status());
  ASSERT_OK(sys.Remap(2).status());  // p2 = 4M
  for (uint32_t a = 0; a < 20; ++a) ASSERT_OK(sys.Write(0, a, static_cast<uint16_t>(a)));
  for (uint32_t a = 0; a < 8; ++a) ASSERT_OK(sys.Write(1, a, static_cast<uint16_t>(a)));
  sys.FlushAll();
  EXPECT_THAT(sys.counts(), ElementsAre(4 * kM + 8, 5 * kM + 20, 4 * kM, 0, 0, 0, 0, 0));
  EXPECT_EQ(sys.remaps(), 11u);
  EXPECT_EQ(sys.policy().swap_count(), 1u);
  for (uint32_t a = 0; a < 20; ++a) EXPECT_THAT(sys.Read(0, a), IsOkAndHolds(a));
}

TEST(EndurerSystemTest, DataSurvivesManyRemapsAndSwaps) {
  // test_two_chips.c: 16 x (remaps per chip + a swap of 0 and 1) keeps the
  // data (5,000 remaps upstream; 40 here to keep the test fast).
  SeededShiftSource shifts(12345);
  EndurerSystem sys = MakeSystem(Mode::kDistributed, &shifts);
  for (uint32_t v = 0; v < 8; ++v) {
    for (uint32_t a = 0; a < kM; ++a)
      ASSERT_OK(sys.Write(v, a, static_cast<uint16_t>(v * 4096 + a)));
  }
  for (int round = 0; round < 16; ++round) {
    for (int i = 0; i < 40; ++i) {
      ASSERT_OK(sys.Remap(0).status());
      ASSERT_OK(sys.Remap(1).status());
    }
    ASSERT_OK(sys.Swap(0, 1));
  }
  for (uint32_t v = 0; v < 8; ++v) {
    for (uint32_t a = 0; a < kM; ++a) {
      ASSERT_THAT(sys.Read(v, a), IsOkAndHolds(static_cast<uint16_t>(v * 4096 + a)));
    }
  }
}

TEST(EndurerSystemTest, SwapsUpdateEpsAndCountersLikeTheUpstreamTest) {
  // test_endurer_top.c: DE with EPS 0.8: swap (2,3) -> EPS 1.4, swap_count 1;
  // swap (3,7) -> EPS 1.76, swap_count 2; each swap adds M to both counters.
  SeededShiftSource shifts(1);
  EndurerSystem sys = MakeSystem(Mode::kDistributed, &shifts, {0.6, 0.8, 8e6});
  ASSERT_OK(sys.Swap(2, 3));
  EXPECT_DOUBLE_EQ(sys.policy().eps(), 1.4);
  EXPECT_EQ(sys.policy().swap_count(), 1u);
  ASSERT_OK(sys.Swap(3, 7));
  EXPECT_DOUBLE_EQ(sys.policy().eps(), 1.76);
  EXPECT_EQ(sys.policy().swap_count(), 2u);
  EXPECT_THAT(sys.counts(), ElementsAre(0, 0, kM, 2 * kM, 0, 0, 0, kM));
  EXPECT_THAT(sys.v2p(), ElementsAre(0, 1, 7, 2, 4, 5, 6, 3));
}

TEST(EndurerSystemTest, SwapNeedsDistributedMode) {
  SeededShiftSource shifts(1);
  EndurerSystem sys = MakeSystem(Mode::kEndurer, &shifts);
  EXPECT_THAT(sys.Swap(0, 1), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(sys.MaybeSwap().has_value());
  EndurerSystem de = MakeSystem(Mode::kDistributed, &shifts);
  EXPECT_THAT(de.Swap(0, 8), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(de.Swap(3, 3), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(de.Write(8, 0, 0),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("virtual chip 8")));
}

TEST(EndurerSystemTest, MaybeSwapFollowsThePolicy) {
  SequenceShiftSource shifts({1});
  // C = 0, EPS = 0: any chip above the mean is heavy.
  EndurerSystem sys = MakeSystem(Mode::kDistributed, &shifts, {0.5, 0.0, 0});
  EXPECT_FALSE(sys.MaybeSwap().has_value());                       // all zero
  for (uint32_t a = 0; a < 8; ++a) ASSERT_OK(sys.Write(5, a, 1));  // 4 reach RRAM
  std::optional<SwapDecision> d = sys.MaybeSwap();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->heavy, 5u);
  EXPECT_EQ(d->light, 0u);
  EXPECT_EQ(sys.physical_of(5), 0u);
  EXPECT_DOUBLE_EQ(sys.policy().eps(), 0.5);
  for (uint32_t a = 0; a < 8; ++a) EXPECT_THAT(sys.Read(5, a), IsOkAndHolds(1));
}

TEST(EndurerSystemTest, SaveFlushesAndRestoreRoundTrips) {
  SeededShiftSource shifts(99);
  EndurerSystem sys = MakeSystem(Mode::kDistributed, &shifts, SwapPolicyParams::Svhn());
  ASSERT_OK(sys.Remap(3).status());
  ASSERT_OK(sys.Swap(3, 6));
  ASSERT_OK(sys.Write(2, 17, 0x1234));
  EXPECT_EQ(sys.pending(), 1u);
  const EndurerState saved = sys.SaveState();
  EXPECT_EQ(sys.pending(), 0u) << "saving flushes the caches first";
  EXPECT_EQ(saved.counts[2], 1u);
  EXPECT_EQ(saved.swap_count, 1u);
  EXPECT_DOUBLE_EQ(saved.policy.eps, 0.9);
  EXPECT_EQ(saved.offsets[3], sys.offset(3));
  ASSERT_THAT(ValidateEndurerState(saved), IsOk());

  // Power-on: a fresh system (RRAM contents would be re-streamed).
  EndurerSystem fresh = MakeSystem(Mode::kEndurer, &shifts);
  ASSERT_THAT(fresh.RestoreState(saved), IsOk());
  EXPECT_EQ(fresh.mode(), Mode::kDistributed);
  EXPECT_EQ(fresh.SaveState(), saved);
  EXPECT_EQ(fresh.physical_of(3), 6u);
  EXPECT_EQ(fresh.segment(6).offset(), saved.offsets[3]);
  EXPECT_EQ(fresh.policy().k(), 2u);

  EndurerState wrong = saved;
  wrong.v2p = {0, 1, 2};
  EXPECT_THAT(fresh.RestoreState(wrong), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(EndurerSystemTest, NoResiliencyRemapIsANoOp) {
  SequenceShiftSource shifts({5});
  EndurerSystem sys = MakeSystem(Mode::kNoResiliency, &shifts);
  ASSERT_OK(sys.Write(0, 3, 9));
  ASSERT_OK_AND_ASSIGN(RemapResult r, sys.Remap(0));
  EXPECT_FALSE(r.applied);
  EXPECT_EQ(sys.remaps(), 0u);
  EXPECT_THAT(sys.counts(), ElementsAre(1, 0, 0, 0, 0, 0, 0, 0));
}

TEST(EndurerSystemTest, CreateValidates) {
  EndurerSystemOptions options;
  options.chips = 0;
  EXPECT_THAT(EndurerSystem::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.chips = 8;
  options.policy.c = -1;
  EXPECT_THAT(EndurerSystem::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace illusion::endurer
