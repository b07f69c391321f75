#include "clients/figures/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace illusion::clients::figures {
namespace {

// Colour-blind-safe palette (Okabe-Ito), cycled.
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000", "#F0E442"};
constexpr int kMarginLeft = 70;
constexpr int kMarginRight = 170;  // legend
constexpr int kMarginTop = 40;
constexpr int kMarginBottom = 50;

std::string Colour(size_t i) { return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

// "Nice" tick positions covering [lo, hi] on a linear axis.
std::vector<double> LinearTicks(double lo, double hi) {
  const double span = hi - lo;
  const double raw = span / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

std::string Header(int width, int height) {
  return absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      width, height, width, height);
}

std::string Text(double x, double y, const std::string& text, const std::string& extra = "") {
  return absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" %s>%s</text>\n", x, y, extra,
                         EscapeXml(text));
}

}  // namespace

std::string EscapeXml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

absl::StatusOr<std::string> RenderLineChartSvg(const LineChart& chart) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  size_t points = 0;
  for (const Series& s : chart.series) {
    for (size_t i = 0; i < s.points.size(); ++i) {
      const auto [x, y] = s.points[i];
      if (!std::isfinite(x) || !std::isfinite(y) || (chart.log_x && x <= 0)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "chart '%s': series '%s' point %d is (%g, %g); values must be finite%s", chart.title,
            s.label, i, x, y, chart.log_x ? " and x > 0 on a log axis" : ""));
      }
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
      ++points;
    }
  }
  if (points == 0) {
    return absl::InvalidArgumentError(absl::StrCat("chart '", chart.title, "' has no points"));
  }
  if (chart.has_reference_y) {
    y_lo = std::min(y_lo, chart.reference_y);
    y_hi = std::max(y_hi, chart.reference_y);
  }
  const auto fx = [&](double x) { return chart.log_x ? std::log10(x) : x; };
  double ax_lo = fx(x_lo), ax_hi = fx(x_hi);
  if (ax_hi - ax_lo < 1e-12) {
    ax_lo -= 0.5;
    ax_hi += 0.5;
  }
  double pad = (y_hi - y_lo) * 0.05;
  if (pad < 1e-12) pad = std::max(std::fabs(y_hi) * 0.05, 0.5);
  y_lo -= pad;
  y_hi += pad;
  const double plot_w = chart.width - kMarginLeft - kMarginRight;
  const double plot_h = chart.height - kMarginTop - kMarginBottom;
  const auto px = [&](double x) { return kMarginLeft + (fx(x) - ax_lo) / (ax_hi - ax_lo) * plot_w; };
  const auto py = [&](double y) { return kMarginTop + (y_hi - y) / (y_hi - y_lo) * plot_h; };

  std::string svg = Header(chart.width, chart.height);
  absl::StrAppend(&svg, Text(chart.width / 2.0 - kMarginRight / 2.0, 22, chart.title,
                             "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\""));
  absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
                                        "fill=\"none\" stroke=\"#444\"/>\n",
                                        kMarginLeft, kMarginTop, plot_w, plot_h));
  // Axes ticks.
  std::vector<double> x_ticks;
  if (chart.log_x) {
    for (double e = std::floor(ax_lo); e <= std::ceil(ax_hi); ++e) {
      const double v = std::pow(10, e);
      if (fx(v) >= ax_lo - 1e-9 && fx(v) <= ax_hi + 1e-9) x_ticks.push_back(v);
    }
    if (x_ticks.size() < 2) x_ticks = {x_lo, x_hi};
  } else {
    x_ticks = LinearTicks(ax_lo, ax_hi);
  }
  for (double t : x_ticks) {
    const double x = px(t);
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%d\" "
                                          "stroke=\"#ddd\"/>\n",
                                          x, kMarginTop + plot_h, x, kMarginTop));
    absl::StrAppend(&svg, Text(x, kMarginTop + plot_h + 16, absl::StrFormat("%g", t),
                               "text-anchor=\"middle\""));
  }
  for (double t : LinearTicks(y_lo, y_hi)) {
    const double y = py(t);
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                          "stroke=\"#ddd\"/>\n",
                                          kMarginLeft, y, kMarginLeft + plot_w, y));
    absl::StrAppend(&svg, Text(kMarginLeft - 6, y + 4, absl::StrFormat("%g", t),
                               "text-anchor=\"end\""));
  }
  absl::StrAppend(&svg, Text(kMarginLeft + plot_w / 2, chart.height - 12, chart.x_label,
                             "text-anchor=\"middle\""));
  absl::StrAppend(&svg, Text(16, kMarginTop + plot_h / 2, chart.y_label,
                             absl::StrFormat("text-anchor=\"middle\" transform=\"rotate(-90 16 "
                                             "%.1f)\"",
                                             kMarginTop + plot_h / 2)));
  if (chart.has_reference_y) {
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                          "stroke=\"#888\" stroke-dasharray=\"2,3\"/>\n",
                                          kMarginLeft, py(chart.reference_y), kMarginLeft + plot_w,
                                          py(chart.reference_y)));
  }
  // Series and legend.
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    std::vector<std::pair<double, double>> pts = s.points;
    std::sort(pts.begin(), pts.end());
    std::string path;
    for (const auto& [x, y] : pts) {
      absl::StrAppend(&path, path.empty() ? "M" : " L", absl::StrFormat("%.1f,%.1f", px(x), py(y)));
    }
    const std::string dash = s.dashed ? " stroke-dasharray=\"6,4\"" : "";
    if (!path.empty()) {
      absl::StrAppend(&svg, absl::StrFormat("<path d=\"%s\" fill=\"none\" stroke=\"%s\" "
                                            "stroke-width=\"1.8\"%s/>\n",
                                            path, Colour(i), dash));
    }
    if (s.markers) {
      for (const auto& [x, y] : pts) {
        absl::StrAppend(&svg, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                                              "fill=\"%s\"/>\n",
                                              px(x), py(y), Colour(i)));
      }
    }
    const double ly = kMarginTop + 10 + 18.0 * static_cast<double>(i);
    const double lx = chart.width - kMarginRight + 12;
    absl::StrAppend(&svg, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                          "stroke=\"%s\" stroke-width=\"1.8\"%s/>\n",
                                          lx, ly, lx + 22, ly, Colour(i), dash));
    absl::StrAppend(&svg, Text(lx + 28, ly + 4, s.label));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

absl::StatusOr<std::string> RenderPowerTimelineSvg(const PowerTimeline& timeline) {
  if (timeline.lanes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("power timeline '", timeline.title, "' has no lanes"));
  }
  if (!(timeline.min_power_w > 0) || !(timeline.max_power_w > timeline.min_power_w)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "power timeline '%s': power axis [%g, %g] W must satisfy 0 < min < max", timeline.title,
        timeline.min_power_w, timeline.max_power_w));
  }
  double t_lo = std::numeric_limits<double>::infinity(), t_hi = -t_lo;
  for (const PowerLane& lane : timeline.lanes) {
    for (size_t i = 0; i < lane.steps.size(); ++i) {
      const PowerStep& s = lane.steps[i];
      if (!std::isfinite(s.start_s) || !std::isfinite(s.end_s) || !std::isfinite(s.power_w) ||
          s.end_s < s.start_s) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "power timeline '%s': lane '%s' step %d is [%g, %g) s at %g W; times must be finite "
            "with end >= start",
            timeline.title, lane.label, i, s.start_s, s.end_s, s.power_w));
      }
      t_lo = std::min(t_lo, s.start_s);
      t_hi = std::max(t_hi, s.end_s);
    }
  }
  if (!(t_hi > t_lo)) {
    return absl::InvalidArgumentError(
        absl::StrCat("power timeline '", timeline.title, "' spans no time"));
  }
  const int lanes = static_cast<int>(timeline.lanes.size());
  const int height = kMarginTop + lanes * timeline.lane_height + kMarginBottom;
  const double plot_w = timeline.width - kMarginLeft - 30;
  const double p_lo = std::log10(timeline.min_power_w), p_hi = std::log10(timeline.max_power_w);
  const auto px = [&](double t) { return kMarginLeft + (t - t_lo) / (t_hi - t_lo) * plot_w; };

  std::string svg = Header(timeline.width, height);
  absl::StrAppend(&svg, Text(timeline.width / 2.0, 22, timeline.title,
                             "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\""));
  for (int l = 0; l < lanes; ++l) {
    const PowerLane& lane = timeline.lanes[l];
    const double top = kMarginTop + l * timeline.lane_height + 4;
    const double h = timeline.lane_height - 8;
    const auto py = [&](double p) {
      const double v = std::clamp(std::log10(std::max(p, 1e-300)), p_lo, p_hi);
      return top + (p_hi - v) / (p_hi - p_lo) * h;
    };
    absl::StrAppend(&svg, absl::StrFormat("<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                          "fill=\"#fafafa\" stroke=\"#bbb\"/>\n",
                                          kMarginLeft, top, plot_w, h));
    absl::StrAppend(&svg, Text(kMarginLeft - 6, top + h / 2 + 4, lane.label, "text-anchor=\"end\""));
    std::string path;
    for (const PowerStep& s : lane.steps) {
      absl::StrAppend(&path, path.empty() ? "M" : " L",
                      absl::StrFormat("%.2f,%.2f L%.2f,%.2f", px(s.start_s), py(s.power_w),
                                      px(s.end_s), py(s.power_w)));
    }
    if (!path.empty()) {
      absl::StrAppend(&svg, absl::StrFormat("<path d=\"%s\" fill=\"none\" stroke=\"%s\" "
                                            "stroke-width=\"1.4\"/>\n",
                                            path, Colour(static_cast<size_t>(l))));
    }
  }
  const double axis_y = kMarginTop + lanes * timeline.lane_height;
  for (double t : LinearTicks(t_lo, t_hi)) {
    absl::StrAppend(&svg, Text(px(t), axis_y + 16, absl::StrFormat("%g", t),
                               "text-anchor=\"middle\""));
  }
  absl::StrAppend(&svg, Text(kMarginLeft + plot_w / 2, axis_y + 36,
                             absl::StrFormat("time (s); power per lane on a log axis, %g W to %g W",
                                             timeline.min_power_w, timeline.max_power_w),
                             "text-anchor=\"middle\""));
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace illusion::clients::figures
