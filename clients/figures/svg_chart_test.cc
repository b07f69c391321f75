#include "clients/figures/svg_chart.h"

#include <regex>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::clients::figures {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// The y coordinates of the first <path d="..."> after `from`.
std::vector<double> PathYs(const std::string& svg, size_t from = 0) {
  const size_t start = svg.find("<path d=\"", from);
  const size_t end = svg.find('"', start + 9);
  const std::string d = svg.substr(start + 9, end - start - 9);
  std::vector<double> ys;
  const std::regex point(R"(([-0-9.]+),([-0-9.]+))");
  for (auto it = std::sregex_iterator(d.begin(), d.end(), point); it != std::sregex_iterator();
       ++it) {
    ys.push_back(std::stod((*it)[2].str()));
  }
  return ys;
}

TEST(SvgChartTest, LineChartDrawsEverySeriesWithItsLegend) {
  LineChart chart;
  chart.title = "E ratio vs chips <resnet50>";
  chart.x_label = "chips";
  chart.y_label = "ratio";
  chart.log_x = true;
  chart.has_reference_y = true;
  chart.series = {{"ours", {{1, 1.0}, {8, 1.02}, {175, 1.26}}, false, true},
                  {"paper", {{1, 1.0}, {8, 1.0205}, {175, 1.256}}, true, true}};
  ASSERT_OK_AND_ASSIGN(std::string svg, RenderLineChartSvg(chart));
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("&lt;resnet50&gt;"));  // escaped title
  EXPECT_EQ(Count(svg, "<circle"), 6);
  EXPECT_EQ(Count(svg, "<path"), 2);
  EXPECT_EQ(Count(svg, "stroke-dasharray=\"6,4\""), 2);  // paper line and its legend
  EXPECT_THAT(svg, HasSubstr(">ours</text>"));
  EXPECT_THAT(svg, HasSubstr(">paper</text>"));
  EXPECT_THAT(svg, HasSubstr(">100</text>"));  // a decade tick on the log axis
  // Higher ratios are drawn higher up (smaller y).
  const std::vector<double> ys = PathYs(svg);
  ASSERT_EQ(ys.size(), 3u);
  EXPECT_GT(ys[0], ys[1]);
  EXPECT_GT(ys[1], ys[2]);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(SvgChartTest, LineChartRejectsBadPoints) {
  LineChart chart;
  chart.title = "t";
  chart.log_x = true;
  chart.series = {{"s", {{0, 1}}, false, true}};
  EXPECT_THAT(RenderLineChartSvg(chart),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("series 's' point 0")));
  chart.series.clear();
  EXPECT_THAT(RenderLineChartSvg(chart),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no points")));
}

TEST(SvgChartTest, PowerTimelineDrawsOneLanePerChipOnALogAxis) {
  PowerTimeline timeline;
  timeline.title = "8-chip SVHN";
  timeline.lanes = {{"chip 0", {{0, 1, 0.73e-3}, {1, 2, 1e-6}}},
                    {"chip 1", {{0, 1, 1e-6}, {1, 2, 0.73e-3}}}};
  ASSERT_OK_AND_ASSIGN(std::string svg, RenderPowerTimelineSvg(timeline));
  EXPECT_EQ(Count(svg, "<path"), 2);
  EXPECT_THAT(svg, HasSubstr(">chip 0</text>"));
  EXPECT_THAT(svg, HasSubstr(">chip 1</text>"));
  // Lane 0: active (high, small y) then asleep (low, large y).
  const std::vector<double> lane0 = PathYs(svg);
  ASSERT_EQ(lane0.size(), 4u);
  EXPECT_LT(lane0[0], lane0[2]);
  const std::vector<double> lane1 = PathYs(svg, svg.find("<path") + 1);
  ASSERT_EQ(lane1.size(), 4u);
  EXPECT_GT(lane1[0], lane1[2]);
  EXPECT_GT(lane1[0], lane0[2]);  // lane 1 sits below lane 0
}

TEST(SvgChartTest, PowerTimelineRejectsBackwardSteps) {
  PowerTimeline timeline;
  timeline.title = "t";
  timeline.lanes = {{"chip 3", {{2, 1, 1e-3}}}};
  EXPECT_THAT(RenderPowerTimelineSvg(timeline),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lane 'chip 3' step 0")));
  timeline.lanes.clear();
  EXPECT_THAT(RenderPowerTimelineSvg(timeline),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no lanes")));
}

}  // namespace
}  // namespace illusion::clients::figures
