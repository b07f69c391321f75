#include "clients/reproduce_command.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/reference_data.h"

namespace illusion::clients {
namespace {

using ::illusion::common::StatusIs;
using ::illusion::coordinator::fidelity::ReproduceRow;
using ::illusion::coordinator::fidelity::ToleranceKind;
using ::testing::HasSubstr;

std::string TempDir(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::filesystem::remove_all(path);
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReproduceFlagsTest, TableIsRequiredAndChecked) {
  EXPECT_THAT(ParseReproduceFlags({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--table is required")));
  EXPECT_THAT(ParseReproduceFlags({"--table=hardware"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--table=hardware: unknown table; expected measured or "
                                 "scaled_out")));
  EXPECT_THAT(ParseReproduceFlags({"--table=measured", "--colour"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown flag --colour")));
  ASSERT_OK_AND_ASSIGN(ReproduceFlags f, ParseReproduceFlags({"--table", "scaled_out", "--json",
                                                              "--figures=", "--informational"}));
  EXPECT_EQ(f.table, "scaled_out");
  EXPECT_TRUE(f.json);
  EXPECT_EQ(f.figures_dir, "");
  EXPECT_TRUE(f.informational);
  ASSERT_OK_AND_ASSIGN(f, ParseReproduceFlags({"--table=measured"}));
  EXPECT_EQ(f.figures_dir, "reproduce_figures");
  EXPECT_FALSE(f.json);
}

TEST(ReproduceFormatTest, RowsOutsideTheirToleranceAreFlagged) {
  ReproduceResult result;
  ReproduceRow ok;
  ok.table = "measured";
  ok.workload = "svhn";
  ok.chips = 8;
  ok.metric = "energy";
  ok.paper = 1.0122;
  ok.ours = 1.0140;
  ok.tolerance = 0.005;
  ReproduceRow bad = ok;
  bad.metric = "time";
  bad.paper = 1.0035;
  bad.ours = 1.0100;
  ReproduceRow relative = ok;
  relative.table = "scaled_out";
  relative.workload = "resnet50";
  relative.metric = "energy";
  relative.paper = 2.0;
  relative.ours = 2.0;
  relative.tolerance = 1e-6;
  relative.tolerance_kind = ToleranceKind::kRelative;
  relative.memsize_mib = 0.25;
  relative.link_factor = 8;
  result.rows = {ok, bad, relative};
  EXPECT_EQ(CountOutsideTolerance(result.rows), 1);

  const std::string text = FormatReproduceText(result);
  EXPECT_THAT(text, HasSubstr("3 rows: 2 within tolerance, 1 outside"));
  EXPECT_THAT(text, HasSubstr("FAIL"));
  EXPECT_THAT(text, HasSubstr("outside: svhn 8 chips time"));

  const nlohmann::json rows = nlohmann::json::parse(FormatReproduceJson(result, false));
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    for (const char* key : {"workload", "chips", "metric", "paper", "ours", "tolerance"}) {
      EXPECT_TRUE(row.contains(key)) << key << " in " << row.dump();
    }
  }
  EXPECT_FALSE(rows[0].contains("memsize_mib"));
  EXPECT_EQ(rows[1]["within_tolerance"], false);
  EXPECT_DOUBLE_EQ(rows[2]["tolerance"].get<double>(), 2e-6);  // relative, as absolute
  EXPECT_EQ(rows[2]["tolerance_kind"], "relative");
  EXPECT_EQ(rows[2]["memsize_mib"].get<double>(), 0.25);
  EXPECT_EQ(rows[2]["link_factor"].get<double>(), 8);
}

TEST(ReproduceCommandTest, UsageErrorsExitTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunReproduceCommand({"--table=nope"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--table=nope"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunReproduceCommand({"--table=scaled_out", "--reference_dir=/nonexistent/kit"}, out2,
                                err2),
            1);
  EXPECT_THAT(err2.str(), HasSubstr("reference kit not found at '/nonexistent/kit'"));
}

// The scaled-out table through the command: the JSON contract, the exit
// code following the rows (which rows may miss is pinned by
// coordinator/scaled_out:scaled_out_rows_test), the figures.
TEST(ReproduceCommandTest, ScaledOutTableWithFigures) {
  REQUIRE_REFERENCE_DIR(kit);
  const std::string figures = TempDir("scaled_out_figures");
  std::ostringstream out, err;
  const int code = RunReproduceCommand(
      {"--table=scaled_out", "--json", "--reference_dir=" + kit, "--figures=" + figures}, out, err);
  const nlohmann::json rows = nlohmann::json::parse(out.str());
  ASSERT_TRUE(rows.is_array());
  std::set<double> link_factors;
  std::set<std::string> workloads;
  int outside = 0, exact_rows = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(row["table"], "scaled_out");
    ASSERT_TRUE(row.contains("memsize_mib")) << row.dump();
    ASSERT_TRUE(row.contains("link_factor")) << row.dump();
    if (row["within_tolerance"] == false) ++outside;
    // The aggregation rows (paper's per-chip results) must all be exact.
    if (row["tolerance_kind"] == "relative") {
      ++exact_rows;
      EXPECT_EQ(row["within_tolerance"], true) << row.dump();
    }
    link_factors.insert(row["link_factor"].get<double>());
    workloads.insert(row["workload"].get<std::string>());
  }
  EXPECT_EQ(exact_rows, 885);  // 59 + 236 sweep rows x energy, time, EDP
  EXPECT_EQ(code, outside == 0 ? 0 : 1) << err.str();
  EXPECT_EQ(link_factors, (std::set<double>{1, 2, 4, 8}));
  EXPECT_EQ(workloads.size(), 4u);
  int svgs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(figures)) {
    EXPECT_THAT(ReadAll(entry.path().string()), HasSubstr("<svg"));
    ++svgs;
  }
  EXPECT_EQ(svgs, 4);
}

// The measured table through the command: every energy/time/EDP ratio row
// and overhead-split row within tolerance; the exit code follows the rows
// (the known absolute-window gaps are pinned by
// coordinator/fidelity:measured_table_test); the power timeline figure.
TEST(ReproduceCommandTest, MeasuredTableWithTimeline) {
  REQUIRE_REFERENCE_DIR(kit);
  const std::string figures = TempDir("measured_figures");
  std::ostringstream out, err;
  const int code = RunReproduceCommand(
      {"--table=measured", "--json", "--reference_dir=" + kit, "--figures=" + figures}, out, err);
  const nlohmann::json rows = nlohmann::json::parse(out.str());
  int outside = 0, ratio_rows = 0;
  for (const auto& row : rows) {
    EXPECT_EQ(row["table"], "measured");
    EXPECT_FALSE(row.contains("memsize_mib"));
    if (row["within_tolerance"] == false) ++outside;
    const std::string metric = row["metric"];
    if (metric == "energy" || metric == "time" || metric == "edp" ||
        metric == "leakage_fraction" || metric == "extra_active_fraction") {
      ++ratio_rows;
      EXPECT_EQ(row["within_tolerance"], true) << row.dump();
    }
  }
  EXPECT_EQ(ratio_rows, 4 * 2 * 5);  // workloads x {4, 8} chips x metrics
  EXPECT_EQ(code, outside == 0 ? 0 : 1) << err.str();
  const std::string timeline = ReadAll(figures + "/measured_svhn_8chip_power_timeline.svg");
  EXPECT_THAT(timeline, HasSubstr("<svg"));
  for (int chip = 0; chip < 8; ++chip) {
    EXPECT_THAT(timeline, HasSubstr(">chip " + std::to_string(chip) + "</text>"));
  }
}

}  // namespace
}  // namespace illusion::clients
