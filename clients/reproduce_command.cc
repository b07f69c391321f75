#include "clients/reproduce_command.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/figures/svg_chart.h"
#include "clients/reference_dir.h"
#include "common/status_macros.h"
#include "coordinator/fidelity/measured_table.h"
#include "coordinator/scaled_out/scaled_out_rows.h"
#include "coordinator/scaled_out/scaled_out_series.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

using coordinator::fidelity::ReproduceRow;
using coordinator::fidelity::ToleranceKind;
namespace fig = figures;

absl::string_view KindName(ToleranceKind kind) {
  switch (kind) {
    case ToleranceKind::kAbsolute:
      return "absolute";
    case ToleranceKind::kRelative:
      return "relative";
  }
  return "?";
}

// The tolerance as an absolute difference.
double AbsoluteTolerance(const ReproduceRow& r) {
  return r.tolerance_kind == ToleranceKind::kRelative ? r.tolerance * std::fabs(r.paper)
                                                      : r.tolerance;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write figure '", path, "'"));
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create figures directory '", dir, "': ", ec.message()));
  }
  return absl::OkStatus();
}

// One lane per physical chip: every power interval of its wake-ups (the
// sleep before each, waking, active, shutting down) at energy / duration,
// and the sleep after its last wake-up until the run ends.
std::vector<fig::PowerLane> PowerLanes(const coordinator::RunRecord& run,
                                       const std::string& prefix) {
  std::vector<fig::PowerLane> lanes(static_cast<size_t>(std::max(run.num_chips, 0)));
  std::vector<double> last_sleep_w(lanes.size(), 0);
  for (size_t c = 0; c < lanes.size(); ++c) lanes[c].label = absl::StrCat(prefix, c);
  for (const coordinator::WakeUpRecord& w : run.wake_ups) {
    if (w.chip < 0 || w.chip >= static_cast<int>(lanes.size())) continue;
    for (const chipd::PowerInterval& i : w.intervals) {
      const double start = i.start_ns * 1e-9, end = i.end_ns * 1e-9;
      const double power = end > start ? i.energy_j / (end - start) : 0;
      if (i.state == chipd::PowerState::kOff) last_sleep_w[w.chip] = power;
      if (end > start) lanes[w.chip].steps.push_back({start, end, power});
    }
  }
  const double run_end = run.end_ns * 1e-9;
  for (size_t c = 0; c < lanes.size(); ++c) {
    const double from = lanes[c].steps.empty() ? 0 : lanes[c].steps.back().end_s;
    if (run_end > from) lanes[c].steps.push_back({from, run_end, last_sleep_w[c]});
  }
  return lanes;
}

absl::StatusOr<std::vector<std::string>> WriteMeasuredFigures(
    const coordinator::fidelity::MeasuredTable& table, const std::string& dir) {
  if (table.svhn_8chip_run.num_chips == 0) return std::vector<std::string>{};
  RETURN_IF_ERROR(MakeDirs(dir));
  std::vector<std::string> written;
  const struct {
    const coordinator::RunRecord* run;
    const char* file;
    const char* title;
    const char* prefix;
  } figures[] = {
      {&table.svhn_8chip_run, "measured_svhn_8chip_power_timeline.svg",
       "SVHN on 8 msp430_rram chips, sequential: power per chip", "chip "},
      {&table.svhn_ideal_run, "measured_svhn_ideal_power_timeline.svg",
       "SVHN on the ideal chip: power", "ideal chip "},
  };
  for (const auto& f : figures) {
    if (f.run->num_chips == 0) continue;
    fig::PowerTimeline timeline;
    timeline.title = f.title;
    timeline.lanes = PowerLanes(*f.run, f.prefix);
    ASSIGN_OR_RETURN(std::string svg, fig::RenderPowerTimelineSvg(timeline));
    const std::string path = (std::filesystem::path(dir) / f.file).string();
    RETURN_IF_ERROR(WriteFile(path, svg));
    written.push_back(path);
  }
  return written;
}

absl::StatusOr<std::vector<std::string>> WriteScaledOutFigures(const std::string& reference_dir,
                                                               const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<coordinator::scaled_out::WorkloadSeries> all,
                   coordinator::scaled_out::ScaledOutSeries(reference_dir));
  RETURN_IF_ERROR(MakeDirs(dir));
  std::vector<std::string> written;
  for (const coordinator::scaled_out::WorkloadSeries& w : all) {
    fig::LineChart chart;
    chart.title = absl::StrCat(w.workload, ": ratio vs the ideal chip, by chip count");
    chart.x_label = "chips (log scale)";
    chart.y_label = "ratio vs ideal chip";
    chart.log_x = true;
    chart.has_reference_y = true;
    const struct {
      const char* name;
      double coordinator::scaled_out::SeriesPoint::*field;
    } metrics[] = {{"energy", &coordinator::scaled_out::SeriesPoint::energy_ratio},
                   {"time", &coordinator::scaled_out::SeriesPoint::time_ratio},
                   {"EDP", &coordinator::scaled_out::SeriesPoint::edp_ratio}};
    for (const auto& m : metrics) {
      for (const bool paper : {false, true}) {
        fig::Series s;
        s.label = absl::StrCat(m.name, paper ? " (paper)" : " (ours)");
        s.dashed = paper;
        for (const auto& p : paper ? w.paper : w.ours) {
          if (p.chips > 0) s.points.push_back({static_cast<double>(p.chips), p.*(m.field)});
        }
        chart.series.push_back(std::move(s));
      }
    }
    ASSIGN_OR_RETURN(std::string svg, fig::RenderLineChartSvg(chart));
    const std::string path =
        (std::filesystem::path(dir) / absl::StrCat("scaled_out_", w.workload, "_ratios.svg"))
            .string();
    RETURN_IF_ERROR(WriteFile(path, svg));
    written.push_back(path);
  }
  return written;
}

std::string RowLine(const ReproduceRow& r, bool checked) {
  const std::string chips = r.chips > 0 ? absl::StrCat(r.chips) : "-";
  const std::string mem = r.memsize_mib > 0 ? absl::StrFormat("%g", r.memsize_mib) : "-";
  const std::string link = r.link_factor > 0 ? absl::StrFormat("%gx", r.link_factor) : "-";
  const std::string tol =
      r.tolerance_kind == ToleranceKind::kRelative
          ? absl::StrFormat("%g rel", r.tolerance)
          : absl::StrFormat("%g", r.tolerance);
  const std::string status = !checked ? "info" : (r.within_tolerance() ? "ok" : "FAIL");
  return absl::StrFormat("%-9s %5s %6s %4s %-21s %12.6g %12.6g %+11.4g %11s  %-4s  %s\n",
                         r.workload, chips, mem, link, r.metric, r.paper, r.ours, r.difference(),
                         tol, status, r.note);
}

nlohmann::ordered_json RowJson(const ReproduceRow& r, bool checked) {
  nlohmann::ordered_json j;
  j["table"] = r.table;
  j["workload"] = r.workload;
  j["chips"] = r.chips;
  j["metric"] = r.metric;
  j["paper"] = r.paper;
  j["ours"] = r.ours;
  j["difference"] = r.difference();
  j["tolerance"] = AbsoluteTolerance(r);
  j["tolerance_kind"] = std::string(KindName(r.tolerance_kind));
  if (r.tolerance_kind == ToleranceKind::kRelative) j["relative_tolerance"] = r.tolerance;
  if (r.table == "scaled_out" || r.memsize_mib > 0) {
    j["memsize_mib"] = r.memsize_mib;
    j["link_factor"] = r.link_factor;
  }
  j["within_tolerance"] = r.within_tolerance();
  j["checked"] = checked;
  j["note"] = r.note;
  return j;
}

}  // namespace

absl::StatusOr<ReproduceFlags> ParseReproduceFlags(const std::vector<std::string>& args) {
  ReproduceFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "help") {
      flags.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "'; flags look like --table=measured"));
    }
    arg = arg.substr(2);
    std::string name = arg, value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (has_value) return value;
      if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--")) return args[++i];
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    };
    const auto take_bool = [&]() -> absl::StatusOr<bool> {
      if (!has_value || value == "true") return true;
      if (value == "false") return false;
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, "=", value, ": expected true or false"));
    };
    if (name == "table") {
      ASSIGN_OR_RETURN(flags.table, take_value());
      if (flags.table != "measured" && flags.table != "scaled_out") {
        return absl::InvalidArgumentError(absl::StrCat(
            "--table=", flags.table, ": unknown table; expected measured or scaled_out"));
      }
    } else if (name == "json") {
      ASSIGN_OR_RETURN(flags.json, take_bool());
    } else if (name == "figures") {
      ASSIGN_OR_RETURN(flags.figures_dir, take_value());
    } else if (name == "no_figures") {
      ASSIGN_OR_RETURN(const bool none, take_bool());
      if (none) flags.figures_dir.clear();
    } else if (name == "informational") {
      ASSIGN_OR_RETURN(flags.informational, take_bool());
    } else if (name == "chip_model") {
      ASSIGN_OR_RETURN(flags.chip_model, take_value());
    } else if (name == "reference_dir") {
      ASSIGN_OR_RETURN(flags.reference_dir, take_value());
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", name,
          "; reproduce takes --table --json --figures --no_figures --informational "
          "--chip_model --reference_dir"));
    }
  }
  if (!flags.help && flags.table.empty()) {
    return absl::InvalidArgumentError("--table is required: measured or scaled_out");
  }
  return flags;
}

absl::StatusOr<ReproduceResult> Reproduce(const ReproduceFlags& flags) {
  const std::string reference_dir =
      flags.reference_dir.empty() ? DefaultReferenceDir() : flags.reference_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(reference_dir, ec)) {
    return absl::NotFoundError(absl::StrCat(
        "reference kit not found at '", reference_dir,
        "' (give --reference_dir=DIR or set ILLUSION_REFERENCE_DIR): the paper's numbers and "
        "samples live there"));
  }
  ReproduceResult result;
  if (flags.table == "measured") {
    coordinator::fidelity::MeasuredTableOptions options;
    options.reference_dir = reference_dir;
    options.chip_model = flags.chip_model;
    ASSIGN_OR_RETURN(coordinator::fidelity::MeasuredTable table,
                     coordinator::fidelity::ReproduceMeasuredTable(options));
    result.rows = std::move(table.rows);
    if (!flags.figures_dir.empty()) {
      ASSIGN_OR_RETURN(result.figures, WriteMeasuredFigures(table, flags.figures_dir));
    }
    return result;
  }
  ASSIGN_OR_RETURN(result.rows, coordinator::scaled_out::ScaledOutAggregationRows(reference_dir));
  ASSIGN_OR_RETURN(std::vector<ReproduceRow> model,
                   coordinator::scaled_out::ScaledOutModelRows(reference_dir));
  result.rows.insert(result.rows.end(), model.begin(), model.end());
  ASSIGN_OR_RETURN(result.informational,
                   coordinator::scaled_out::ScaledOutModelInformationalRows(reference_dir));
  if (!flags.figures_dir.empty()) {
    ASSIGN_OR_RETURN(result.figures, WriteScaledOutFigures(reference_dir, flags.figures_dir));
  }
  return result;
}

int CountOutsideTolerance(const std::vector<ReproduceRow>& rows) {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(),
                                        [](const ReproduceRow& r) { return !r.within_tolerance(); }));
}

std::string FormatReproduceText(const ReproduceResult& result) {
  std::string out = absl::StrFormat("%-9s %5s %6s %4s %-21s %12s %12s %11s %11s  %-4s  %s\n",
                                    "workload", "chips", "MiB", "link", "metric", "paper", "ours",
                                    "diff", "tolerance", "ok", "note");
  for (const ReproduceRow& r : result.rows) absl::StrAppend(&out, RowLine(r, true));
  if (!result.informational.empty()) {
    absl::StrAppend(&out, "\ninformational (not checked):\n");
    for (const ReproduceRow& r : result.informational) absl::StrAppend(&out, RowLine(r, false));
  }
  const int outside = CountOutsideTolerance(result.rows);
  absl::StrAppend(&out, absl::StrFormat("\n%d rows: %d within tolerance, %d outside\n",
                                        result.rows.size(),
                                        static_cast<int>(result.rows.size()) - outside, outside));
  for (const ReproduceRow& r : result.rows) {
    if (!r.within_tolerance()) {
      absl::StrAppend(&out, absl::StrFormat("  outside: %s %d chips %s %s: paper %g, ours %g%s%s\n",
                                            r.workload, r.chips, r.metric, r.note, r.paper, r.ours,
                                            r.memsize_mib > 0
                                                ? absl::StrFormat(", %g MiB", r.memsize_mib)
                                                : "",
                                            r.link_factor > 0
                                                ? absl::StrFormat(", link %gx", r.link_factor)
                                                : ""));
    }
  }
  return out;
}

std::string FormatReproduceJson(const ReproduceResult& result, bool informational) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const ReproduceRow& r : result.rows) rows.push_back(RowJson(r, true));
  if (informational) {
    for (const ReproduceRow& r : result.informational) rows.push_back(RowJson(r, false));
  }
  return rows.dump(1) + "\n";
}

int RunReproduceCommand(const std::vector<std::string>& args, std::ostream& out,
                        std::ostream& err) {
  absl::StatusOr<ReproduceFlags> flags = ParseReproduceFlags(args);
  if (!flags.ok()) {
    err << "illusionctl reproduce: " << flags.status().message() << "\n" << kReproduceUsage;
    return 2;
  }
  if (flags->help) {
    out << kReproduceUsage;
    return 0;
  }
  absl::StatusOr<ReproduceResult> result = Reproduce(*flags);
  if (!result.ok()) {
    err << "illusionctl reproduce: " << result.status().message() << "\n";
    return 1;
  }
  if (flags->json) {
    out << FormatReproduceJson(*result, flags->informational);
  } else {
    ReproduceResult shown = *result;
    if (!flags->informational) shown.informational.clear();
    out << FormatReproduceText(shown);
  }
  for (const std::string& path : result->figures) err << "figure: " << path << "\n";
  return CountOutsideTolerance(result->rows) == 0 ? 0 : 1;
}

}  // namespace illusion::clients
