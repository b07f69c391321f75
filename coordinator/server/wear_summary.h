#ifndef ILLUSION_COORDINATOR_SERVER_WEAR_SUMMARY_H_
#define ILLUSION_COORDINATOR_SERVER_WEAR_SUMMARY_H_

// The WearSummary of an ExperimentReport (coordinator.proto): from a live
// run's wear rounds, or read back from the trace store; and its text table.
// Free functions: thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/wear/wear_leveler.h"
#include "proto/illusion/v1/coordinator.pb.h"
#include "store/trace_store.h"

namespace illusion::coordinator {

// The state after the last round (an empty summary for no rounds).
illusion::v1::WearSummary WearSummaryOf(const std::vector<WearRound>& rounds);

// The same from run `run_id`'s chip_wear, wear_events and endurer_states
// rows; an empty summary (mode "") when the run has none. The store's
// errors (NotFound for an unknown run).
absl::StatusOr<illusion::v1::WearSummary> WearSummaryFromStore(store::TraceStore& store,
                                                              int64_t run_id);

// A few lines: mode, swaps, EPS, remaps, then one row per physical chip.
// Empty for an empty summary.
std::string FormatWearSummary(const illusion::v1::WearSummary& wear);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_SERVER_WEAR_SUMMARY_H_
