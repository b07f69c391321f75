#ifndef ILLUSION_COORDINATOR_SCALED_OUT_SCALED_OUT_SERIES_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_SCALED_OUT_SERIES_H_

// Data for the "ratio vs chip count" figure: per workload, one point per
// memsize of sweep_results_1x.csv (link factor 1), for the paper (the CSV's
// ratios) and for ours (the cost-only analytic pipeline on our greedy
// partitions). Stateless: thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::coordinator::scaled_out {

// One point of a series. Plain value type.
struct SeriesPoint {
  double memsize_mib = 0;
  int chips = 0;  // physical chips (the LSTM ideal counts as 1)
  double energy_ratio = 0;
  double time_ratio = 0;
  double edp_ratio = 0;
};

// Both series of one workload, in the CSV's memsize order. Plain value type.
struct WorkloadSeries {
  std::string workload;  // alexnet, vgg16, resnet50, lstm_lm
  std::vector<SeriesPoint> ours;
  std::vector<SeriesPoint> paper;
};

// The four workloads' series. Errors from reading the CSV or running the
// pipeline are passed on.
absl::StatusOr<std::vector<WorkloadSeries>> ScaledOutSeries(
    const std::string& reference_dir);

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_SCALED_OUT_SERIES_H_
