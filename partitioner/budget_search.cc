#include "partitioner/budget_search.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "partitioner/graph_partition.h"
#include "partitioner/partition.h"

namespace illusion::partitioner {

absl::StatusOr<BudgetSearch> SmallestBudget(int max_chips, int64_t hi, int hi_chips,
                                            const ChipsAtBudget& chips_at) {
  int64_t lo = 0;  // too small
  int lo_chips = 0;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    absl::StatusOr<int> chips = chips_at(mid);
    if (!chips.ok() && !absl::IsResourceExhausted(chips.status())) return chips.status();
    if (chips.ok() && *chips <= max_chips) {
      hi = mid;
      hi_chips = *chips;
    } else {
      lo = mid;
      lo_chips = chips.ok() ? *chips : 0;
    }
  }
  return BudgetSearch{max_chips, hi, hi_chips, lo_chips};
}

absl::StatusOr<BudgetSearch> SmallestGreedyGraphBudget(const nn::Graph& graph, int max_chips) {
  if (max_chips < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("chips must be at least 1; got ", max_chips));
  }
  const ChipsAtBudget chips_at = [&graph](int64_t budget) -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(Partition p, GreedyGraphPartition(graph, {budget}));
    return p.num_physical_chips();
  };
  // With every weight on one chip nothing is split.
  const int64_t total = std::max<int64_t>(graph.weight_bytes(), 1);
  ASSIGN_OR_RETURN(const int total_chips, chips_at(total));
  if (total_chips > max_chips) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chips=", max_chips, " is too few: greedy uses ", total_chips, " chips even with ", total,
        " bytes per chip (all the weights of '", graph.name(), "')"));
  }
  return SmallestBudget(max_chips, total, total_chips, chips_at);
}

}  // namespace illusion::partitioner
