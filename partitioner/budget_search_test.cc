#include "partitioner/budget_search.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "partitioner/graph_partition.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(SmallestBudgetTest, FindsTheStepOfAMonotoneCount) {
  // chips = ceil(1000 / budget); budgets below 10 are refused.
  const ChipsAtBudget chips_at = [](int64_t budget) -> absl::StatusOr<int> {
    if (budget < 10) return absl::ResourceExhaustedError("too small");
    return static_cast<int>((1000 + budget - 1) / budget);
  };
  ASSERT_OK_AND_ASSIGN(BudgetSearch s, SmallestBudget(4, 1000, 1, chips_at));
  EXPECT_EQ(s.memsize_bytes, 250);
  EXPECT_EQ(s.chips, 4);
  EXPECT_EQ(s.chips_one_byte_less, 5);
  ASSERT_OK_AND_ASSIGN(s, SmallestBudget(1000, 1000, 1, chips_at));
  EXPECT_EQ(s.memsize_bytes, 10);
  EXPECT_EQ(s.chips_one_byte_less, 0);  // 9 is refused
}

TEST(SmallestGreedyGraphBudgetTest, GivesAtMostTheChipsAndOneByteLessGivesMore) {
  for (nn::Workload w : nn::AllWorkloads()) {
    ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(w));
    for (int chips : {1, 3, 8}) {
      absl::StatusOr<BudgetSearch> s = SmallestGreedyGraphBudget(graph, chips);
      if (!s.ok()) {
        EXPECT_THAT(s.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("is too few")));
        continue;
      }
      ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {s->memsize_bytes}));
      EXPECT_LE(p.num_physical_chips(), chips) << graph.name();
      EXPECT_EQ(p.num_physical_chips(), s->chips);
      absl::StatusOr<Partition> less = GreedyGraphPartition(graph, {s->memsize_bytes - 1});
      if (less.ok()) {
        EXPECT_GT(less->num_physical_chips(), chips) << graph.name();
      }
    }
  }
}

TEST(SmallestGreedyGraphBudgetTest, RejectsZeroChips) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(nn::Workload::kMnist));
  EXPECT_THAT(SmallestGreedyGraphBudget(graph, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 0")));
}

}  // namespace
}  // namespace illusion::partitioner
