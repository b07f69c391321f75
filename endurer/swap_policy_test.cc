#include "endurer/swap_policy.h"

#include <cmath>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::endurer {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;

TEST(SwapPolicyTest, ThresholdIsMeanTimesOnePlusEpsPlusC) {
  SwapPolicy policy({0.45, 0.45, 7e8});
  const std::vector<uint64_t> counts = {800, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(policy.Threshold(counts), 100 * 1.45 + 7e8);
}

TEST(SwapPolicyTest, HeavyAboveThresholdSwapsWithLightest) {
  SwapPolicy policy({0.6, 0.6, 10});
  // mean 30, threshold 30 * 1.6 + 10 = 58.
  const std::vector<uint64_t> counts = {20, 100, 5, 60, 5, 10, 20, 20};
  std::optional<SwapDecision> d = policy.Check(counts);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->heavy, 1u);  // the largest above the threshold
  EXPECT_EQ(d->light, 2u);  // first of the two minima
}

TEST(SwapPolicyTest, StrictlyAboveAndFirstIndexWinsTies) {
  SwapPolicy policy({0.6, 0.0, 0});
  EXPECT_FALSE(policy.Check(std::vector<uint64_t>{10, 10, 10, 10}).has_value());
  // mean 25, threshold 25: both 40s are above; the first wins.
  std::optional<SwapDecision> d = policy.Check(std::vector<uint64_t>{40, 40, 10, 10});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->heavy, 0u);
  EXPECT_EQ(d->light, 2u);
  EXPECT_FALSE(policy.Check(std::vector<uint64_t>{5}).has_value());
}

TEST(SwapPolicyTest, EpsGrowsByTauToTheK) {
  // test_endurer_top.c: EPS 0.8 with TAU 0.6 -> 1.4 after one swap -> 1.76.
  SwapPolicy policy({0.6, 0.8, 8e6});
  EXPECT_EQ(policy.k(), 1u);
  policy.RecordSwap();
  EXPECT_DOUBLE_EQ(policy.eps(), 1.4);
  EXPECT_EQ(policy.swap_count(), 1u);
  policy.RecordSwap();
  EXPECT_DOUBLE_EQ(policy.eps(), 1.76);
  EXPECT_EQ(policy.k(), 3u);
}

TEST(SwapPolicyTest, EpsTendsToEps0PlusTauOverOneMinusTau) {
  for (const auto& [params, limit] : {std::pair{SwapPolicyParams::Defaults(), 2.1},
                                      std::pair{SwapPolicyParams::Svhn(), 0.45 + 0.45 / 0.55},
                                      std::pair{SwapPolicyParams::D2nn(), 0.4 + 0.4 / 0.6}}) {
    SwapPolicy policy(params);
    for (int i = 0; i < 200; ++i) policy.RecordSwap();
    EXPECT_NEAR(policy.eps(), limit, 1e-12);
  }
  SwapPolicy svhn(SwapPolicyParams::Svhn());
  svhn.RecordSwap();
  EXPECT_DOUBLE_EQ(svhn.eps(), 0.9);  // the measured SVHN end state
}

TEST(SwapPolicyTest, PresetsAndValidation) {
  ASSERT_OK_AND_ASSIGN(SwapPolicyParams svhn, SwapPolicyForWorkload("svhn"));
  EXPECT_EQ(svhn.tau, 0.45);
  EXPECT_EQ(svhn.eps, 0.45);
  EXPECT_EQ(svhn.c, 7e8);
  ASSERT_OK_AND_ASSIGN(SwapPolicyParams d2nn, SwapPolicyForWorkload("d2nn"));
  EXPECT_EQ(d2nn.tau, 0.4);
  ASSERT_OK_AND_ASSIGN(SwapPolicyParams def, SwapPolicyForWorkload("default"));
  EXPECT_EQ(def.c, 8e6);
  EXPECT_THAT(SwapPolicyForWorkload("vgg"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateSwapPolicyParams({0.6, 0.6, 8e6}), IsOk());
  EXPECT_THAT(ValidateSwapPolicyParams({-1, 0.6, 8e6}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateSwapPolicyParams({0.6, NAN, 8e6}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace illusion::endurer
