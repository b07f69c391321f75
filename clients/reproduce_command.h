#ifndef ILLUSION_CLIENTS_REPRODUCE_COMMAND_H_
#define ILLUSION_CLIENTS_REPRODUCE_COMMAND_H_

// `illusionctl reproduce --table=measured|scaled_out [--json]`: the paper's
// numbers side by side with Illusion's, row by row, with the difference and
// the tolerance, and SVG figures.
//
//   measured    the calibrated msp430_rram chips on the paper's 4- and 8-chip
//               partitions vs the measured board (coordinator/fidelity):
//               energy/time/EDP ratios, ideal-chip energy and time, every
//               chip's active window, the overhead split. Figure: the
//               per-chip power timeline of the 8-chip SVHN run.
//   scaled_out  the 28 nm accelerator sweep (coordinator/scaled_out): the
//               system accounting fed the paper's per-chip results (every
//               row of the 1x sweep and of the link-sensitivity sweep, to
//               the printed digits), and the analytic accel_rram_28nm model
//               on our greedy partitions (>= 2 MiB per chip). Figures:
//               energy/time/EDP ratio vs chip count per workload.
//
// Output: a text table (or with --json a JSON list of rows {"workload",
// "chips", "metric", "paper", "ours", "tolerance", ...}; scaled-out rows add
// "memsize_mib" and "link_factor"), then one line per figure written.
//
// Exit codes: 0 every row within its tolerance; 1 a row outside it, or the
// reference kit or a run failed (one line on stderr naming it); 2 usage.
// The flags are parsed here (not with absl flags), so illusionctl hands the
// arguments over before absl::ParseCommandLine. Stateless; thread-safe.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coordinator/fidelity/reproduce_row.h"

namespace illusion::clients {

inline constexpr char kReproduceUsage[] =
    "usage: illusionctl reproduce --table=measured|scaled_out [flags]\n"
    "  prints the paper's numbers next to ours, with the difference and the\n"
    "  tolerance; exits 1 when a row is outside its tolerance\n"
    "flags:\n"
    "  --table=measured|scaled_out  which table (required)\n"
    "  --json                 a JSON list of rows instead of the text table\n"
    "  --figures=DIR          where the SVG figures go (default reproduce_figures;\n"
    "                         --figures= or --no_figures writes none)\n"
    "  --informational        scaled_out: also list the model rows below 2 MiB per\n"
    "                         chip (not checked; see the notes)\n"
    "  --chip_model=NAME      measured: chip model (default msp430_rram)\n"
    "  --reference_dir=DIR    kit root (default $ILLUSION_REFERENCE_DIR, else\n"
    "                         ../shared/reference)\n";

// Parsed flags. Plain value type.
struct ReproduceFlags {
  std::string table;  // "measured" or "scaled_out"
  bool json = false;
  std::string figures_dir = "reproduce_figures";  // "" = no figures
  bool informational = false;
  std::string chip_model = "msp430_rram";
  std::string reference_dir;  // "" = the environment's or the default
  bool help = false;
};

// InvalidArgument naming the flag, the bad value and what is allowed.
absl::StatusOr<ReproduceFlags> ParseReproduceFlags(const std::vector<std::string>& args);

// What a table produced. Plain value type.
struct ReproduceResult {
  std::vector<coordinator::fidelity::ReproduceRow> rows;  // checked
  // Listed for context, never checked (scaled-out model rows < 2 MiB).
  std::vector<coordinator::fidelity::ReproduceRow> informational;
  std::vector<std::string> figures;  // paths written
};

// Computes the table (and writes the figures). NotFound naming the path when
// the kit is missing; other errors from the runs are passed on.
absl::StatusOr<ReproduceResult> Reproduce(const ReproduceFlags& flags);

// The text table: one line per row (workload, chips, memsize, link,
// metric, note, paper, ours, difference, tolerance, ok/FAIL), then the
// informational rows, then a summary line "N rows: N within tolerance, N
// outside".
std::string FormatReproduceText(const ReproduceResult& result);

// The JSON list of the checked rows (and the informational ones when
// `informational`, with "checked": false). Keys of every row: table,
// workload, chips, metric, paper, ours, difference, tolerance (absolute:
// for relative rows tolerance x |paper|), tolerance_kind (absolute,
// relative), within_tolerance, checked, note; scaled-out rows
// add memsize_mib and link_factor, relative rows relative_tolerance.
std::string FormatReproduceJson(const ReproduceResult& result, bool informational);

// Rows outside their tolerance.
int CountOutsideTolerance(const std::vector<coordinator::fidelity::ReproduceRow>& rows);

// The whole command; returns the exit code.
int RunReproduceCommand(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err);

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_REPRODUCE_COMMAND_H_
