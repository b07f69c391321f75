#include "clients/endurance/model_study.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::clients {
namespace {

std::vector<std::string> Labels(const std::vector<endurer::Checkpoint>& cps) {
  std::vector<std::string> out;
  for (const endurer::Checkpoint& c : cps) out.push_back(c.name);
  return out;
}

TEST(ModelStudyTest, CheckpointsUpToTheHorizon) {
  using ::testing::ElementsAre;
  EXPECT_THAT(Labels(StudyCheckpoints(10)),
              ElementsAre("ZERO", "DAY", "WEEK", "MONTH", "YEAR", "TENYEAR"));
  EXPECT_THAT(Labels(StudyCheckpoints(1)), ElementsAre("ZERO", "DAY", "WEEK", "MONTH", "YEAR"));
  EXPECT_THAT(Labels(StudyCheckpoints(0.5)),
              ElementsAre("ZERO", "DAY", "WEEK", "MONTH", "0.5YEAR"));
  EXPECT_THAT(Labels(StudyCheckpoints(20)),
              ElementsAre("ZERO", "DAY", "WEEK", "MONTH", "YEAR", "TENYEAR", "20YEAR"));
  EXPECT_DOUBLE_EQ(StudyCheckpoints(0.5).back().hours, 4380);
}

TEST(ModelStudyTest, ActivationPatternIsOneWritePerWordPerInference) {
  for (endurer::Mode mode : {endurer::Mode::kNoResiliency, endurer::Mode::kDistributed}) {
    ASSERT_OK_AND_ASSIGN(std::vector<endurer::WritePattern> p,
                         ActivationWritePatterns(mode, 8, 0x728, 216));
    ASSERT_EQ(p.size(), 8u);
    EXPECT_EQ(p[0].chip, 0u);
    EXPECT_DOUBLE_EQ(p[0].inferences, 1);
    ASSERT_EQ(p[0].writes.size(), 216u);
    EXPECT_EQ(p[0].writes.front().address, 0x728u);
    EXPECT_EQ(p[0].writes.back().address, 0x7FFu);
    EXPECT_EQ(p[0].total(), 216u);
    EXPECT_TRUE(p[1].writes.empty());
  }
}

TEST(ModelStudyTest, MaskFollowsTheOffsetAcrossTheWrap) {
  // Virtual 0x7FE with offset 0x7F0 -> physical 0x00E; virtual 0x7FF -> 0x00F.
  const std::vector<endurer::StuckBit> stuck = {
      {1, 0x00E, 3, 1}, {1, 0x00F, 0, 0}, {1, 0x010, 5, 1}, {0, 0x00E, 4, 1}};
  ActivationMask m = MaskForRegion(stuck, 1, 0x7FE, 0x7F0, 2, 2048);
  EXPECT_EQ(m.stuck_bits, 2);
  EXPECT_EQ(m.or_mask[0], 1u << 3);
  EXPECT_EQ(m.and_mask[0], 0xFFFFu);
  EXPECT_EQ(m.and_mask[1], 0xFFFEu);
  EXPECT_EQ(m.or_mask[1], 0u);
}

ModelStudyOptions Fragile() {
  ModelStudyOptions o;
  o.years = 0.1;                   // 876 h: ZERO, DAY, WEEK, MONTH, 0.1YEAR
  o.wear = {1e6, 0.5, 0.99};       // fails after ~10^6 writes
  o.seed = 7;
  return o;
}

TEST(ModelStudyTest, NoResiliencyWearsTheActivationFasterThanDistributedEndurer) {
  ASSERT_OK_AND_ASSIGN(ModelWearResult r, SimulateD2nnActivationWear(Fragile()));
  ASSERT_EQ(r.nr.size(), 5u);
  ASSERT_EQ(r.de.size(), 5u);
  EXPECT_EQ(r.nr[0].mask.stuck_bits, 0);
  EXPECT_EQ(r.de[0].mask.stuck_bits, 0);
  for (size_t t = 0; t < r.nr.size(); ++t) {
    SCOPED_TRACE(r.nr[t].label);
    EXPECT_GE(r.nr[t].mask.stuck_bits, r.de[t].mask.stuck_bits);
    EXPECT_EQ(r.nr[t].activation_chip, 0);
    EXPECT_EQ(r.nr[t].activation_offset, 0u);
    if (t > 0) {
      EXPECT_GE(r.nr[t].mask.stuck_bits, r.nr[t - 1].mask.stuck_bits);
    }
  }
  // 657,000 writes per word by 876 h: about a fifth of the 3,456 bits.
  EXPECT_GT(r.nr.back().mask.stuck_bits, 300);
  EXPECT_EQ(r.nr.back().stuck_bits_per_chip[0], r.nr.back().mask.stuck_bits);
  EXPECT_EQ(r.nr.back().stuck_bits_per_chip[1], 0);
}

TEST(ModelStudyTest, ReproducibleForASeed) {
  ASSERT_OK_AND_ASSIGN(ModelWearResult a, SimulateD2nnActivationWear(Fragile()));
  ASSERT_OK_AND_ASSIGN(ModelWearResult b, SimulateD2nnActivationWear(Fragile()));
  ModelStudyOptions other = Fragile();
  other.seed = 8;
  ASSERT_OK_AND_ASSIGN(ModelWearResult c, SimulateD2nnActivationWear(other));
  for (size_t t = 0; t < a.nr.size(); ++t) {
    EXPECT_EQ(a.nr[t].mask.or_mask, b.nr[t].mask.or_mask);
    EXPECT_EQ(a.nr[t].mask.and_mask, b.nr[t].mask.and_mask);
    EXPECT_EQ(a.de[t].stuck_bits_per_chip, b.de[t].stuck_bits_per_chip);
    EXPECT_EQ(a.de[t].activation_offset, b.de[t].activation_offset);
  }
  EXPECT_NE(a.nr.back().mask.or_mask, c.nr.back().mask.or_mask);
}

TEST(ModelStudyTest, RejectsBadOptions) {
  ModelStudyOptions o;
  o.inferences_per_hour = 0;
  EXPECT_FALSE(SimulateD2nnActivationWear(o).ok());
  o = ModelStudyOptions();
  o.wear.sigma = -1;
  EXPECT_FALSE(SimulateD2nnActivationWear(o).ok());
}

}  // namespace
}  // namespace illusion::clients
