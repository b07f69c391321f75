#include "clients/endurance/study_figures.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/figures/svg_chart.h"
#include "common/status_macros.h"

namespace illusion::clients {
namespace {

namespace fig = figures;

double Day(double days) { return days > 0 ? days : kZeroDay; }

int TotalStuck(const StudyPoint& p) {
  int s = 0;
  for (int c : p.stuck_bits_per_chip) s += c;
  return s;
}

std::string Title(const StudyFlags& flags, absl::string_view what) {
  return absl::StrCat(flags.workload, " ", what, " (", flags.source == "model" ? "wear model" : "measured stuck bits",
                      ")");
}

}  // namespace

absl::StatusOr<std::vector<StudyFigure>> RenderStudyFigures(const StudyFlags& flags,
                                                            const StudyResult& result) {
  fig::LineChart accuracy;
  accuracy.title = Title(flags, "accuracy vs time");
  accuracy.x_label = absl::StrCat("days (log; ZERO at ", kZeroDay, ")");
  accuracy.y_label = "accuracy %";
  accuracy.log_x = true;
  accuracy.has_reference_y = true;
  accuracy.reference_y = result.clean.accuracy_pct() - flags.accuracy_drop;  // failure threshold
  fig::LineChart stuck;
  stuck.title = Title(flags, "stuck bits vs time");
  stuck.x_label = accuracy.x_label;
  stuck.y_label = "stuck bits";
  stuck.log_x = true;
  for (const char* scheme : {"NR", "DE"}) {
    fig::Series acc{absl::StrCat(scheme, " accuracy"), {}, false, true};
    fig::Series all{absl::StrCat(scheme, " all chips"), {}, false, true};
    fig::Series mask{absl::StrCat(scheme, " activation region"), {}, true, true};
    for (const StudyPoint& p : result.points) {
      if (p.scheme != scheme) continue;
      acc.points.emplace_back(Day(p.days), p.accuracy.accuracy_pct());
      all.points.emplace_back(Day(p.days), TotalStuck(p));
      mask.points.emplace_back(Day(p.days), p.mask_stuck_bits);
    }
    if (acc.points.empty()) continue;
    accuracy.series.push_back(std::move(acc));
    stuck.series.push_back(std::move(all));
    stuck.series.push_back(std::move(mask));
  }
  ASSIGN_OR_RETURN(std::string accuracy_svg, fig::RenderLineChartSvg(accuracy));
  ASSIGN_OR_RETURN(std::string stuck_svg, fig::RenderLineChartSvg(stuck));
  return std::vector<StudyFigure>{{"accuracy_vs_time.svg", std::move(accuracy_svg)},
                                  {"stuck_bits_vs_time.svg", std::move(stuck_svg)}};
}

absl::StatusOr<std::vector<std::string>> WriteStudyFigures(const StudyFlags& flags,
                                                           const StudyResult& result,
                                                           const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<StudyFigure> figures, RenderStudyFigures(flags, result));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create figures directory '", dir, "': ", ec.message()));
  }
  std::vector<std::string> paths;
  for (const StudyFigure& f : figures) {
    const std::string path = absl::StrCat(dir, "/", f.file_name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << f.svg;
    file.close();
    if (!file) return absl::InternalError(absl::StrCat("cannot write figure '", path, "'"));
    paths.push_back(path);
  }
  return paths;
}

}  // namespace illusion::clients
