// The coordinator's Distributed ENDURER round on a live in-process fleet,
// through RunExperiment: remaps and swaps move the chips' NVM images and
// re-route the virtual chips, and the inferences' words stay exactly those
// of a run without wear levelling.

#include "coordinator/wear/wear_leveler.h"

#include <cmath>
#include <memory>
#include <vector>

#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "coordinator/experiment.h"
#include "coordinator/in_process_fleet.h"
#include "coordinator/wear/routed_fleet.h"
#include "endurer/endurer_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "partitioner/partition.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using ::testing::SizeIs;

ExperimentConfig SvhnEightChips(int inferences) {
  ExperimentConfig c;
  c.workload = nn::Workload::kSvhn;
  c.strategy = partitioner::Strategy::kPaper;
  c.chips = 8;
  c.inferences = inferences;
  c.run_baseline = false;
  return c;
}

void ExpectSameWords(const RunRecord& a, const RunRecord& b) {
  ASSERT_EQ(a.inferences.size(), b.inferences.size());
  for (size_t i = 0; i < a.inferences.size(); ++i) {
    EXPECT_EQ(a.inferences[i].class_id, b.inferences[i].class_id) << "inference " << i;
    ASSERT_EQ(a.inferences[i].chips.size(), b.inferences[i].chips.size());
    for (size_t k = 0; k < a.inferences[i].chips.size(); ++k) {
      EXPECT_EQ(a.inferences[i].chips[k].in, b.inferences[i].chips[k].in)
          << "inference " << i << " wake-up " << k;
      EXPECT_EQ(a.inferences[i].chips[k].out, b.inferences[i].chips[k].out)
          << "inference " << i << " wake-up " << k;
    }
  }
}

TEST(WearLevelerTest, DistributedRoundsSwapAndRerouteWithoutChangingAWord) {
  constexpr int kInferences = 6;
  ASSERT_OK_AND_ASSIGN(ExperimentResult plain, RunExperiment(SvhnEightChips(kInferences)));

  ExperimentConfig c = SvhnEightChips(kInferences);
  c.wear.enabled = true;
  c.wear.mode = endurer::Mode::kDistributed;
  c.wear.remap_period = 1;
  c.wear.policy = {0.45, 0.45, 0.0};  // C = 0: swap as soon as chip 0 is 1.45x the mean
  ASSERT_OK_AND_ASSIGN(ExperimentResult levelled, RunExperiment(c));
  ExpectSameWords(plain.run, levelled.run);

  ASSERT_THAT(levelled.wear_rounds, SizeIs(kInferences));
  const uint32_t m = levelled.wear_rounds[0].state.segment_words;
  ASSERT_GT(m, 0u);
  EXPECT_THAT(levelled.wear_rounds[0].remaps, SizeIs(0));  // t = 0: no remap
  int swaps = 0;
  for (int i = 0; i < kInferences; ++i) {
    const WearRound& round = levelled.wear_rounds[i];
    EXPECT_EQ(round.inference, i);
    EXPECT_OK(endurer::ValidateEndurerState(round.state));
    if (i > 0) {
      ASSERT_THAT(round.remaps, SizeIs(8)) << "inference " << i;
      for (const WearRemap& r : round.remaps) {
        EXPECT_TRUE(r.outcome.applied);
        EXPECT_EQ(r.outcome.writes, m);
        EXPECT_EQ(round.state.v2p[r.virtual_chip], static_cast<uint32_t>(r.physical_chip));
      }
      const WearRound& before = levelled.wear_rounds[i - 1];
      for (int p = 0; p < 8; ++p) {
        // Every chip is remapped (M writes) and counters never go back.
        EXPECT_GE(round.state.counts[p], before.state.counts[p] + m) << "chip " << p;
      }
    }
    if (round.swap.has_value()) {
      ++swaps;
      const WearSwap& s = *round.swap;
      EXPECT_NE(s.heavy, s.light);
      EXPECT_GT(static_cast<double>(s.heavy_count), s.threshold);
      // The hot virtual chip now lives on the light physical chip.
      EXPECT_EQ(round.state.v2p[s.heavy_virtual], static_cast<uint32_t>(s.light));
      EXPECT_EQ(round.state.v2p[s.light_virtual], static_cast<uint32_t>(s.heavy));
      EXPECT_DOUBLE_EQ(s.eps_after, round.state.policy.eps);
    }
  }
  EXPECT_GE(swaps, 1);
  EXPECT_EQ(levelled.wear_rounds.back().state.swap_count, static_cast<uint64_t>(swaps));
  // Hysteresis: EPS = 0.45 + 0.45 + 0.45^2 + ... after the swaps.
  double eps = 0.45;
  for (int k = 1; k <= swaps; ++k) eps += std::pow(0.45, k);
  EXPECT_NEAR(levelled.wear_rounds.back().state.policy.eps, eps, 1e-12);
}

TEST(WearLevelerTest, NoResiliencyCountsWritesOnly) {
  ExperimentConfig c = SvhnEightChips(3);
  c.wear.enabled = true;
  c.wear.mode = endurer::Mode::kNoResiliency;
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
  ASSERT_THAT(r.wear_rounds, SizeIs(3));
  for (const WearRound& round : r.wear_rounds) {
    EXPECT_THAT(round.remaps, SizeIs(0));
    EXPECT_FALSE(round.swap.has_value());
    for (int v = 0; v < 8; ++v) EXPECT_EQ(round.state.v2p[v], static_cast<uint32_t>(v));
  }
  // Chip 0 writes its activations every inference: its count grows.
  EXPECT_GT(r.wear_rounds[2].state.counts[0], r.wear_rounds[0].state.counts[0]);
  EXPECT_GT(r.wear_rounds[0].state.counts[0], 0u);
}

TEST(WearLevelerTest, BadConfigIsRefusedNamingTheField) {
  ExperimentConfig c = SvhnEightChips(1);
  c.wear.enabled = true;
  c.wear.remap_period = -2;
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                         AllOf(HasSubstr("remap_period"), HasSubstr("-2"))));
  c.wear.remap_period = 1;
  c.wear.cache_entries = 0;
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                         AllOf(HasSubstr("cache_entries"), HasSubstr("0"))));
}

TEST(RoutedFleetTest, RoutesFollowSwapsAndDescribeBoth) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InProcessFleet> physical,
                       InProcessFleet::Create(3, model));
  RoutedFleet routed(physical.get());
  EXPECT_EQ(routed.size(), 3);
  EXPECT_EQ(routed.Describe(1), physical->Describe(1));
  ASSERT_OK(routed.SwapRoutes(0, 2));
  EXPECT_EQ(routed.PhysicalOf(0), 2);
  EXPECT_EQ(routed.VirtualOf(0), 2);
  EXPECT_EQ(routed.Describe(0), "virtual chip 0 on " + physical->Describe(2));
  EXPECT_THAT(routed.SwapRoutes(0, 3),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("virtual chip 3")));
  EXPECT_THAT(routed.Execute(-1, {}), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace illusion::coordinator
