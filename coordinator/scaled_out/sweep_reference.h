#ifndef ILLUSION_COORDINATOR_SCALED_OUT_SWEEP_REFERENCE_H_
#define ILLUSION_COORDINATOR_SCALED_OUT_SWEEP_REFERENCE_H_

// The paper's system-level sweep results (reference/paper_sim/
// sweep_results_1x.csv and sweep_messaging_sensitivity.csv): the ratios that
// upstream analyze_results.py computes from the stored per-chip results,
// recomputed from the repository data (spec §6; for the LSTM these, not the
// xlsx column, are the reference, §6.4). Stateless functions returning plain
// value types: thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::coordinator::scaled_out {

// One workload x memsize x link-factor point. Plain value type.
struct SweepPoint {
  std::string workload;  // as in the CSV: AlexNet, VGG-16, ResNet-50, LSTM LangMod
  double memsize_mib = 0;
  int chips = 0;            // physical chips (chips_physical)
  double link_factor = 1;   // worsen factor F
  double energy_j = 0;      // E_system_J
  double time_s = 0;        // T_system_s
  double energy_ratio = 0;
  double time_ratio = 0;
  double edp_ratio = 0;
  int64_t message_bytes = 0;
  // Additive-chip ("linear model") ratios; 0 where the file has none (the
  // sensitivity file).
  double energy_ratio_linear = 0;
  double time_ratio_linear = 0;
};

// Rows of sweep_results_1x.csv (link factor 1), in file order. NotFound if
// the file is missing; InvalidArgument (file, line, column) for bad fields.
absl::StatusOr<std::vector<SweepPoint>> LoadSweep1x(
    const std::string& reference_dir);

// Rows of sweep_messaging_sensitivity.csv (F = 1, 2, 4, 8), in file order.
absl::StatusOr<std::vector<SweepPoint>> LoadSweepSensitivity(
    const std::string& reference_dir);

}  // namespace illusion::coordinator::scaled_out

#endif  // ILLUSION_COORDINATOR_SCALED_OUT_SWEEP_REFERENCE_H_
