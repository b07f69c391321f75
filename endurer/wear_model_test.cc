#include "endurer/wear_model.h"

#include <cmath>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::testing::ElementsAre;

TEST(WearModelTest, InverseNormalCdfKnownValues) {
  EXPECT_EQ(InverseNormalCdf(0.5), 0.0);
  EXPECT_NEAR(InverseNormalCdf(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(InverseNormalCdf(0.025), -1.959963984540054, 1e-8);
  EXPECT_NEAR(InverseNormalCdf(0.8413447460685429), 1.0, 1e-8);
  EXPECT_NEAR(InverseNormalCdf(1e-6), -4.753424308822899, 1e-7);
  EXPECT_NEAR(InverseNormalCdf(1 - 1e-6), 4.753424308822899, 1e-6);
}

TEST(WearModelTest, LifetimeQuantilesAndCdfAgree) {
  const EnduranceDistribution d{1e6, 1.0, 0.5};
  EXPECT_EQ(LifetimeAtQuantile(d, 0.5), 1000000u);
  EXPECT_NEAR(static_cast<double>(LifetimeAtQuantile(d, 0.8413447460685429)), 1e6 * std::exp(1.0),
              1.0);
  EXPECT_DOUBLE_EQ(FailureProbability(d, 1e6), 0.5);
  for (double u : {0.001, 0.1, 0.3, 0.7, 0.99}) {
    EXPECT_NEAR(FailureProbability(d, static_cast<double>(LifetimeAtQuantile(d, u))), u, 1e-6);
  }
  EXPECT_EQ(FailureProbability(d, 0), 0.0);
  const EnduranceDistribution sharp{500, 0.0, 1.0};
  EXPECT_EQ(LifetimeAtQuantile(sharp, 0.01), 500u);
  EXPECT_EQ(FailureProbability(sharp, 499), 0.0);
  EXPECT_EQ(FailureProbability(sharp, 500), 1.0);
}

TEST(WearModelTest, FixedSequenceGivesKnownBits) {
  // One chip of one word: 16 bits x (lifetime draw, stuck draw).
  // Bit b gets quantile 0.5 (lifetime = median) except bit 3 (0.8413...,
  // e^1 x median) and bit 9 (0.1586..., e^-1 x median); stuck draws 0.1
  // (-> stuck at 1 with fraction 0.25) for even bits, 0.9 (-> 0) for odd.
  const EnduranceDistribution d{1000, 1.0, 0.25};
  std::vector<double> u;
  for (int bit = 0; bit < 16; ++bit) {
    u.push_back(bit == 3 ? 0.8413447460685429 : bit == 9 ? 0.15865525393145707 : 0.5);
    u.push_back(bit % 2 == 0 ? 0.1 : 0.9);
  }
  SequenceUniformSource rng(u);
  ASSERT_OK_AND_ASSIGN(WearModel model, WearModel::Create(d, 1, 1, rng));
  EXPECT_EQ(model.BitLifetime(0, 0, 0), 1000u);
  EXPECT_EQ(model.BitLifetime(0, 0, 3), 2719u);  // ceil(1000 e)
  EXPECT_EQ(model.BitLifetime(0, 0, 9), 368u);   // ceil(1000 / e)
  EXPECT_EQ(model.StuckValue(0, 0, 4), 1);
  EXPECT_EQ(model.StuckValue(0, 0, 9), 0);
  // Sorted view: bit 9 first, bit 3 last.
  EXPECT_EQ(model.cell(0, 0).bit[0], 9);
  EXPECT_EQ(model.cell(0, 0).bit[15], 3);

  const std::vector<uint64_t> at_367 = {367}, at_368 = {368}, at_1000 = {1000}, at_3000 = {3000};
  EXPECT_THAT(model.StuckBits(0, at_367), ::illusion::common::IsOkAndHolds(::testing::IsEmpty()));
  ASSERT_OK_AND_ASSIGN(std::vector<StuckBit> one, model.StuckBits(0, at_368));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].bit, 9u);
  EXPECT_EQ(one[0].value, 0);
  ASSERT_OK_AND_ASSIGN(StuckCounts c1000, model.CountStuckBits(0, at_1000));
  EXPECT_EQ(c1000.total(), 15u);    // all but bit 3
  EXPECT_EQ(c1000.stuck_at_1, 8u);  // even bits
  ASSERT_OK_AND_ASSIGN(StuckCounts c3000, model.CountStuckBits(0, at_3000));
  EXPECT_EQ(c3000.total(), 16u);

  const StuckMask m = model.MaskAt(0, 0, 1000);
  EXPECT_EQ(m.ones, 0x5555);
  EXPECT_EQ(m.zeros, 0xAAAA & ~0x0008);
  EXPECT_EQ(m.Apply(0x0000), 0x5555);
  EXPECT_EQ(m.Apply(0xFFFF), 0x5555 | 0x0008);
}

TEST(WearModelTest, SeededModelFollowsTheDistribution) {
  const EnduranceDistribution d;  // the SVHN-fitted defaults
  SeededUniformSource rng(42);
  ASSERT_OK_AND_ASSIGN(WearModel model, WearModel::Create(d, 8, 2048, rng));
  // Every cell written 85.8 M times (SVHN NR ten years): expect about
  // 5.6 % failed (the measured 57 of 1,024 in the hot region).
  const double p = FailureProbability(d, 85.8e6);
  EXPECT_NEAR(p, 0.0557, 0.01);
  uint64_t failed = 0, ones = 0;
  const std::vector<uint64_t> writes(2048, 85'800'000);
  for (uint32_t chip = 0; chip < 8; ++chip) {
    ASSERT_OK_AND_ASSIGN(StuckCounts c, model.CountStuckBits(chip, writes));
    failed += c.total();
    ones += c.stuck_at_1;
  }
  const double bits = 8.0 * 2048 * 16;
  EXPECT_NEAR(failed / bits, p, 5 * std::sqrt(p * (1 - p) / bits));
  EXPECT_GT(static_cast<double>(ones) / failed, 0.97);
  // 1,024 bits at 8.58 M writes (SVHN NR one year): about 5 expected.
  EXPECT_NEAR(1024 * FailureProbability(d, 8.58e6), 5.0, 2.0);
}

TEST(WearModelTest, SameSeedSameModel) {
  SeededUniformSource a(7), b(7);
  ASSERT_OK_AND_ASSIGN(WearModel ma, WearModel::Create({}, 2, 64, a));
  ASSERT_OK_AND_ASSIGN(WearModel mb, WearModel::Create({}, 2, 64, b));
  for (uint32_t w = 0; w < 64; ++w) {
    for (uint32_t bit = 0; bit < 16; ++bit) {
      ASSERT_EQ(ma.BitLifetime(1, w, bit), mb.BitLifetime(1, w, bit));
    }
  }
}

TEST(WearModelTest, Validation) {
  SeededUniformSource rng(1);
  EXPECT_THAT(WearModel::Create({0.5, 1, 0.5}, 1, 1, rng),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WearModel::Create({1e6, -1, 0.5}, 1, 1, rng),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WearModel::Create({1e6, 1, 1.5}, 1, 1, rng),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WearModel::Create({}, 0, 2048, rng), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(WearModel model, WearModel::Create({}, 1, 4, rng));
  const std::vector<uint64_t> wrong(5, 0);
  EXPECT_THAT(model.StuckBits(0, wrong), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(model.CountStuckBits(1, std::vector<uint64_t>(4, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateEnduranceDistribution({}), IsOk());
}

}  // namespace
}  // namespace illusion::endurer
