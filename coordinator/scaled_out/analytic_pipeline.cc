#include "coordinator/scaled_out/analytic_pipeline.h"

#include <vector>

#include "common/status_macros.h"
#include "coordinator/scaled_out/workload_plans.h"

namespace illusion::coordinator::scaled_out {

absl::StatusOr<SystemCost> ModelWorkloadCost(
    absl::string_view workload, double memsize_mib, const LinkParams& link,
    const AccelModelConstants& constants) {
  ASSIGN_OR_RETURN(std::vector<NetPartPlan> plans,
                   PartitionWorkload(workload, memsize_mib));
  std::vector<NetPartCosts> parts;
  parts.reserve(plans.size());
  for (const NetPartPlan& plan : plans) {
    ASSIGN_OR_RETURN(NetPartCosts costs,
                     PlanCosts(plan.plan, plan.layers, constants));
    parts.push_back(std::move(costs));
  }
  return AggregateWorkload(parts, link);
}

absl::StatusOr<ModelPoint> ModelWorkloadPoint(
    absl::string_view workload, double memsize_mib, const LinkParams& link,
    const AccelModelConstants& constants) {
  ModelPoint point;
  ASSIGN_OR_RETURN(point.system,
                   ModelWorkloadCost(workload, memsize_mib, link, constants));
  ASSIGN_OR_RETURN(point.ideal, ModelWorkloadCost(workload, kIdealMemsizeMiB,
                                                  link, constants));
  ASSIGN_OR_RETURN(point.ratios, RatiosAgainst(point.system, point.ideal));
  return point;
}

}  // namespace illusion::coordinator::scaled_out
