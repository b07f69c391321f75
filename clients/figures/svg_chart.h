#ifndef ILLUSION_CLIENTS_FIGURES_SVG_CHART_H_
#define ILLUSION_CLIENTS_FIGURES_SVG_CHART_H_

// Self-contained SVG figures for reports (`illusionctl reproduce`): a line
// chart with several series (linear or log x axis, an optional horizontal
// reference line), and a stacked per-lane step chart of power over time
// (one lane per chip, log power axis), like the paper's power-trace figure.
// No I/O: the renderers return the SVG document as a string. Plain
// functions over plain value types; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::clients::figures {

// One line of a LineChart: (x, y) points, drawn in x order.
struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;
  bool dashed = false;  // e.g. the paper's values, against ours solid
  bool markers = true;  // a dot at every point
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;  // every x must then be > 0
  bool has_reference_y = false;
  double reference_y = 1.0;  // drawn grey when has_reference_y
  std::vector<Series> series;
  int width = 720;
  int height = 420;
};

// InvalidArgument naming the series and point when a value is not finite,
// an x is <= 0 on a log axis, or there are no points at all.
absl::StatusOr<std::string> RenderLineChartSvg(const LineChart& chart);

// A piecewise-constant power level over [start_s, end_s).
struct PowerStep {
  double start_s = 0;
  double end_s = 0;
  double power_w = 0;
};

// One lane (chip) of a PowerTimeline.
struct PowerLane {
  std::string label;
  std::vector<PowerStep> steps;  // in time order, need not be contiguous
};

struct PowerTimeline {
  std::string title;
  std::vector<PowerLane> lanes;
  // Power axis (log10), watts; powers outside are clamped to it.
  double min_power_w = 1e-7;
  double max_power_w = 1e-2;
  int width = 900;
  int lane_height = 70;
};

// InvalidArgument naming the lane when a step ends before it starts or a
// value is not finite, or when there are no lanes or no time span.
absl::StatusOr<std::string> RenderPowerTimelineSvg(const PowerTimeline& timeline);

// `text` with &, <, >, " escaped for SVG/XML.
std::string EscapeXml(const std::string& text);

}  // namespace illusion::clients::figures

#endif  // ILLUSION_CLIENTS_FIGURES_SVG_CHART_H_
