#include "coordinator/scaled_out/scaled_out_series.h"

#include "common/status_macros.h"
#include "coordinator/scaled_out/analytic_pipeline.h"
#include "coordinator/scaled_out/sweep_reference.h"
#include "coordinator/scaled_out/workload_plans.h"

namespace illusion::coordinator::scaled_out {

absl::StatusOr<std::vector<WorkloadSeries>> ScaledOutSeries(
    const std::string& reference_dir) {
  ASSIGN_OR_RETURN(std::vector<SweepPoint> points, LoadSweep1x(reference_dir));
  std::vector<WorkloadSeries> series;
  for (const SweepPoint& p : points) {
    ASSIGN_OR_RETURN(std::string name, ShortWorkloadName(p.workload));
    if (series.empty() || series.back().workload != name) {
      series.push_back(WorkloadSeries{name, {}, {}});
    }
    ASSIGN_OR_RETURN(ModelPoint model,
                     ModelWorkloadPoint(p.workload, p.memsize_mib,
                                        WorsenedLink(p.link_factor)));
    // The fused one-chip LSTM ideal is one chip, as in the paper.
    const int ours_chips =
        p.memsize_mib >= kIdealMemsizeMiB ? p.chips : model.system.chips;
    series.back().ours.push_back({p.memsize_mib, ours_chips,
                                  model.ratios.energy, model.ratios.time,
                                  model.ratios.edp});
    series.back().paper.push_back({p.memsize_mib, p.chips, p.energy_ratio,
                                   p.time_ratio, p.edp_ratio});
  }
  return series;
}

}  // namespace illusion::coordinator::scaled_out
