#ifndef ILLUSION_COORDINATOR_SCALED_OUT_ANALYTIC_PIPELINE_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_ANALYTIC_PIPELINE_H_

// The cost-only scaled-out pipeline: greedy partition of every net part
// (workload_plans.h) -> accel_rram_28nm analytic cost of every chip
// (accel_rram_28nm_model.h) -> system aggregation (system_aggregation.h).
// It never materializes weights or runs arithmetic, so a 1,093-chip VGG-16
// system costs milliseconds. Stateless functions: thread-safe.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/scaled_out/accel_rram_28nm_model.h"
#include "coordinator/scaled_out/system_aggregation.h"

namespace illusion::coordinator::scaled_out {

// The memsize of the ideal chip (one chip holds every workload).
inline constexpr double kIdealMemsizeMiB = 2048;

// System cost of `workload` at `memsize_mib` under `link`. Errors of the
// partitioner or the model are passed on.
absl::StatusOr<SystemCost> ModelWorkloadCost(
    absl::string_view workload, double memsize_mib, const LinkParams& link,
    const AccelModelConstants& constants = AccelModelConstants());

// One modelled sweep point: cost and ratios against the modelled ideal chip
// (2048 MiB) at the same link. Plain value type.
struct ModelPoint {
  SystemCost system;
  SystemCost ideal;
  CostRatios ratios;
};

absl::StatusOr<ModelPoint> ModelWorkloadPoint(
    absl::string_view workload, double memsize_mib, const LinkParams& link,
    const AccelModelConstants& constants = AccelModelConstants());

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_ANALYTIC_PIPELINE_H_
