#include "coordinator/scaled_out/sweep_reference.h"

#include "common/status_macros.h"
#include "coordinator/scaled_out/csv_table.h"

namespace illusion::coordinator::scaled_out {
namespace {

// Column names that differ between the two files.
struct Columns {
  const char* e_ratio;
  const char* t_ratio;
  const char* edp_ratio;
  bool has_link_factor;
  bool has_linear_model;
};

absl::StatusOr<std::vector<SweepPoint>> Load(const std::string& path,
                                             const Columns& cols) {
  ASSIGN_OR_RETURN(CsvTable table, CsvTable::Read(path));
  std::vector<SweepPoint> points;
  for (int row = 0; row < table.num_rows(); ++row) {
    SweepPoint p;
    ASSIGN_OR_RETURN(p.workload, table.Get(row, "workload"));
    ASSIGN_OR_RETURN(p.memsize_mib, table.GetDouble(row, "memsize_MiB"));
    ASSIGN_OR_RETURN(int64_t chips, table.GetInt(row, "chips_physical"));
    p.chips = static_cast<int>(chips);
    if (cols.has_link_factor) {
      ASSIGN_OR_RETURN(p.link_factor, table.GetDouble(row, "worsen_factor"));
    }
    ASSIGN_OR_RETURN(p.energy_j, table.GetDouble(row, "E_system_J"));
    ASSIGN_OR_RETURN(p.time_s, table.GetDouble(row, "T_system_s"));
    ASSIGN_OR_RETURN(p.energy_ratio, table.GetDouble(row, cols.e_ratio));
    ASSIGN_OR_RETURN(p.time_ratio, table.GetDouble(row, cols.t_ratio));
    ASSIGN_OR_RETURN(p.edp_ratio, table.GetDouble(row, cols.edp_ratio));
    ASSIGN_OR_RETURN(p.message_bytes, table.GetInt(row, "msg_bytes"));
    if (cols.has_linear_model) {
      ASSIGN_OR_RETURN(p.energy_ratio_linear,
                       table.GetDouble(row, "E_ratio_linear_model"));
      ASSIGN_OR_RETURN(p.time_ratio_linear,
                       table.GetDouble(row, "T_ratio_linear_model"));
    }
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace

absl::StatusOr<std::vector<SweepPoint>> LoadSweep1x(
    const std::string& reference_dir) {
  return Load(reference_dir + "/paper_sim/sweep_results_1x.csv",
              {"E_ratio", "T_ratio", "EDP_ratio", false, true});
}

absl::StatusOr<std::vector<SweepPoint>> LoadSweepSensitivity(
    const std::string& reference_dir) {
  return Load(reference_dir + "/paper_sim/sweep_messaging_sensitivity.csv",
              {"E_ratio_recomputed", "T_ratio_recomputed",
               "EDP_ratio_recomputed", true, false});
}

}  // namespace illusion::coordinator::scaled_out
