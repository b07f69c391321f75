#include "coordinator/scaled_out/system_aggregation.h"

#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator::scaled_out {
namespace {

using ::illusion::common::StatusIs;

TEST(SystemAggregationTest, SumsChipsSleepMessagesAndShutdown) {
  NetPartCosts part;
  part.chips = {{1.0, 2e-3}, {3.0, 1e-3}};
  part.dummy_chips = {{0.5, 1e-3}};
  part.message_bytes = 32LL * 1024 * 1024 * 1024 / 1000;  // 1 ms at 1x
  LinkParams link;
  absl::StatusOr<SystemCost> cost = AggregateNetPart(part, link);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->t_nodes_s, 4e-3);
  EXPECT_DOUBLE_EQ(cost->e_nodes_j, 4.5);
  // Chip 1 sleeps 2 ms, chip 2 sleeps 3 ms; the dummy does not sleep.
  EXPECT_DOUBLE_EQ(cost->e_sleep_j, 3.096e-3 * 5e-3);
  EXPECT_NEAR(cost->t_msg_s, 100e-9 + 1e-3, 1e-10);
  EXPECT_DOUBLE_EQ(cost->e_msg_j, part.message_bytes * 256e-12);
  EXPECT_DOUBLE_EQ(cost->e_shut_j, 3.096e-3 * cost->t_msg_s);
  EXPECT_DOUBLE_EQ(cost->energy_j, cost->e_nodes_j + cost->e_sleep_j +
                                       cost->e_msg_j + cost->e_shut_j);
  EXPECT_DOUBLE_EQ(cost->time_s, cost->t_nodes_s + cost->t_msg_s);
}

TEST(SystemAggregationTest, WorkloadIsTheSumOfNetPartsWithOwnLatency) {
  NetPartCosts a{{{1.0, 1e-3}, {1.0, 1e-3}}, {}, 0};
  NetPartCosts b{{{2.0, 3e-3}}, {}, 0};
  const std::vector<NetPartCosts> parts = {a, b};
  absl::StatusOr<SystemCost> cost = AggregateWorkload(parts, LinkParams());
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->chips, 3);
  EXPECT_DOUBLE_EQ(cost->t_msg_s, 200e-9);
  // Part b's chip is alone: no sleep; part a's chips sleep 1 ms each.
  EXPECT_DOUBLE_EQ(cost->e_sleep_j, 3.096e-3 * 2e-3);
  EXPECT_DOUBLE_EQ(cost->time_s, 5e-3 + 200e-9);
}

TEST(SystemAggregationTest, WorsenFactorScalesBandwidthAndEnergy) {
  const LinkParams link = WorsenedLink(8);
  EXPECT_DOUBLE_EQ(link.bandwidth_bytes_per_s, 4.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(link.energy_j_per_byte, 2048e-12);
  EXPECT_DOUBLE_EQ(link.latency_s, 100e-9);
}

TEST(SystemAggregationTest, RejectsBadInput) {
  EXPECT_THAT(AggregateNetPart(NetPartCosts(), LinkParams()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  NetPartCosts bad{{{-1.0, 1e-3}}, {}, 0};
  EXPECT_THAT(AggregateNetPart(bad, LinkParams()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AggregateWorkload({}, LinkParams()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RatiosAgainst(SystemCost(), SystemCost()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace illusion::coordinator::scaled_out
