#ifndef ILLUSION_COORDINATOR_FIDELITY_MEASURED_TABLE_H_
#define ILLUSION_COORDINATOR_FIDELITY_MEASURED_TABLE_H_

// The measured-hardware table (issue 6 part 1): the paper's four workloads on
// their `paper` partitions with 1 (ideal), 4 and 8 chips of a chip model
// (default the calibrated msp430_rram), sequential schedule, reference
// weights and samples, compared with what the paper measured on its 8-chip
// board (/work/shared/specs/hardware_measurements.md, "HW §x" below):
//   * energy, time and EDP ratios vs the ideal chip (HW §3.1);
//   * ideal-chip absolute energy and time (HW §3.1);
//   * every chip position's active window (HW §4.2);
//   * the overhead split, sleep leakage vs extra active energy (HW §3.2).
// Configurations are combined the way the paper's analysis does (HW §2.2
// step 8): d2nn = 0.869 x high path + 0.131 x low path; kws_lstm = 39 x
// first (regular) step + 1 x final step; each configuration is its own
// sequential run (its own leakage), and the ratios are taken of the weighted
// sums. Everything here is a plain function or value type; thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/experiment.h"
#include "coordinator/fidelity/reproduce_row.h"
#include "coordinator/run_record.h"
#include "nn/workloads.h"

namespace illusion::coordinator::fidelity {

// HW §2.2 step 8: the d2nn path weights and the LSTM step counts.
inline constexpr double kD2nnHighWeight = 0.869;
inline constexpr double kD2nnLowWeight = 0.131;
inline constexpr double kLstmRegularSteps = 39;
inline constexpr double kLstmFinalSteps = 1;

// Tolerances of the rows (see measured_table.cc for why).
inline constexpr double kRatioTolerance = 0.005;         // absolute
inline constexpr double kIdealTolerance = 0.05;          // relative
inline constexpr double kWindowTolerance = 0.05;         // relative
inline constexpr double kSplitTolerance = 0.003;         // absolute

// What the paper measured for one workload (HW §3.1, §3.2). Plain value.
struct PaperWorkloadMeasurement {
  nn::Workload workload = nn::Workload::kMnist;
  double ideal_energy_j = 0;
  double ideal_time_s = 0;
  // {energy, time, edp} ratios vs the ideal chip.
  double ratios_8[3] = {0, 0, 0};
  double ratios_4[3] = {0, 0, 0};
  // Fractions of the ideal energy: sleep leakage, extra active energy.
  double leakage_8 = 0, extra_active_8 = 0;
  double leakage_4 = 0, extra_active_4 = 0;
};

// The four workloads, in the paper's order.
const std::vector<PaperWorkloadMeasurement>& PaperWorkloadMeasurements();

// One measured configuration's per-position runtimes (HW §4.2). Plain value.
struct PaperPositionRuntimes {
  nn::Workload workload = nn::Workload::kMnist;
  int chips = 1;       // 1 = the target (ideal) chip
  std::string config;  // "", "high path", "low path", "first step", "final step"
  // Runtime (s) per position; 0 = the position is idle in this configuration.
  std::vector<double> runtime_s;
};

// Every configuration of HW §4.2.
const std::vector<PaperPositionRuntimes>& PaperRuntimes();

// One configuration of a workload and its weight in the combined figure.
// Plain value.
struct Configuration {
  std::string name;  // "", "high path", "low path", "first step", "final step"
  double weight = 1;
};

// The configurations of `workload` (HW §2.2 step 8).
std::vector<Configuration> Configurations(nn::Workload workload);

// Totals of one configuration's run. Plain value.
struct RunTotals {
  double weight = 1;
  double energy_j = 0;  // everything the chips spent
  double sleep_j = 0;   // its leakage part
  double time_s = 0;
};

// A system against the ideal chip, over weighted configurations. Plain value.
struct WeightedComparison {
  double energy_j = 0, time_s = 0;              // weighted system totals
  double ideal_energy_j = 0, ideal_time_s = 0;  // weighted ideal totals
  double energy_ratio = 0, time_ratio = 0, edp_ratio = 0;
  double leakage_fraction = 0;       // weighted sleep_j / ideal energy
  double extra_active_fraction = 0;  // (E - E_leak - E_ideal) / E_ideal
};

// Weighted sums (sum of weight x value) of `system` and `ideal`, which must
// pair up configuration by configuration (same size and weights), and the
// ratios of the sums: EDP ratio = (E x T) / (E_t x T_t) of the weighted
// totals, as the paper takes it per draw (HW §2.2 step 10). InvalidArgument
// when the sizes or weights differ, or the ideal energy or time is not > 0.
absl::StatusOr<WeightedComparison> CompareWeighted(const std::vector<RunTotals>& system,
                                                   const std::vector<RunTotals>& ideal);

// What to run. Plain copyable struct.
struct MeasuredTableOptions {
  // Holds illusion/<mnist|svhn|d2nn|lstm>/{weights/,input_*.bin}: the
  // reference kit. Required: the paper's numbers belong to those samples.
  std::string reference_dir;
  // Built-in chip model name or textproto path. Default the calibrated
  // msp430_rram.
  std::string chip_model = "msp430_rram";
  // Workloads to run; default all four.
  std::vector<nn::Workload> workloads = nn::AllWorkloads();
};

// One configuration run: `chips` 4 or 8 against the ideal chip. Plain value.
struct ConfigurationRun {
  nn::Workload workload = nn::Workload::kMnist;
  int chips = 8;
  Configuration config;
  ExperimentResult result;  // run = the system, baseline_run = the ideal chip
};

// Runs every configuration of every workload in `options` with 4 and 8
// chips (each with its ideal baseline). NotFound naming the path when a
// reference file is missing; errors of RunExperiment prefixed with the
// workload, chips and configuration.
absl::StatusOr<std::vector<ConfigurationRun>> RunMeasuredConfigurations(
    const MeasuredTableOptions& options);

// Active window (s) per physical chip of a run: the sum of its wake-ups'
// busy time (wake-up pulse to off). Chips that never woke get 0.
std::vector<double> ActiveWindowsS(const RunRecord& run);

// The table. Plain value.
struct MeasuredTable {
  std::vector<ReproduceRow> rows;  // table = "measured"
  // For the timeline figure: SVHN's 8-chip run and its ideal run (empty when
  // SVHN is not among the workloads).
  RunRecord svhn_8chip_run;
  RunRecord svhn_ideal_run;
};

// Rows from configuration runs (as RunMeasuredConfigurations returns):
// per workload and chips (4, 8): energy/time/edp ratio rows, ideal_energy_j
// and ideal_time_s, leakage_fraction and extra_active_fraction; one
// active_window_s row per non-idle chip position of every configuration of
// HW §4.2, the target's included (chips = 1). InvalidArgument when a
// configuration the rows need is missing.
absl::StatusOr<MeasuredTable> MeasuredTableFromRuns(const std::vector<ConfigurationRun>& runs);

// RunMeasuredConfigurations + MeasuredTableFromRuns.
absl::StatusOr<MeasuredTable> ReproduceMeasuredTable(const MeasuredTableOptions& options);

}  // namespace illusion::coordinator::fidelity

#endif  // ILLUSION_COORDINATOR_FIDELITY_MEASURED_TABLE_H_
