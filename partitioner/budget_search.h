#ifndef ILLUSION_PARTITIONER_BUDGET_SEARCH_H_
#define ILLUSION_PARTITIONER_BUDGET_SEARCH_H_

// The greedy partitioner is sized by a per-chip weight budget; users think in
// chip counts. These find the smallest budget that gives at most N chips
// (greedy's chip count does not grow with the budget, so a binary search).

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "nn/graph.h"

namespace illusion::partitioner {

// What a budget search found. Plain value type.
struct BudgetSearch {
  int max_chips = 0;
  int64_t memsize_bytes = 0;    // the smallest budget giving <= max_chips chips
  int chips = 0;                // what it gives
  int chips_one_byte_less = 0;  // 0 = that budget is refused as too small
};

// The chip count at `budget` bytes per chip; ResourceExhausted when the
// budget is below the largest indivisible unit.
using ChipsAtBudget = std::function<absl::StatusOr<int>(int64_t budget)>;

// Smallest budget in [1, hi] with chips_at(budget) <= max_chips; `hi` must
// qualify, giving `hi_chips`. A refused budget counts as too small; any other
// error of chips_at is returned.
absl::StatusOr<BudgetSearch> SmallestBudget(int max_chips, int64_t hi, int hi_chips,
                                            const ChipsAtBudget& chips_at);

// The smallest GreedyGraphPartition budget of `graph` giving at most
// `max_chips` chips. InvalidArgument when max_chips < 1, or when even every
// weight on each chip needs more chips (both counts named).
absl::StatusOr<BudgetSearch> SmallestGreedyGraphBudget(const nn::Graph& graph, int max_chips);

}  // namespace illusion::partitioner

#endif  // ILLUSION_PARTITIONER_BUDGET_SEARCH_H_
