// illusionctl's coordinator commands against a local coordinator over a
// temporary trace store: run (in-process and loopback), then report, list,
// trace export and compare read what it recorded.

#include "clients/coordinator_commands.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

using ::testing::HasSubstr;

CoordinatorCommandOptions Base(const std::string& db) {
  CoordinatorCommandOptions o;
  o.database = std::string(std::getenv("TEST_TMPDIR")) + "/" + db + ".db";
  o.progress = false;
  return o;
}

TEST(CoordinatorCommandsTest, RunThenReportListTraceAndCompare) {
  CoordinatorCommandOptions o = Base("commands");
  o.workload = "svhn";
  o.backend = "in_process";
  o.inferences = 2;
  o.json = true;
  std::ostringstream out, err;
  ASSERT_EQ(RunRunCommand(o, out, err), 0) << err.str();
  const nlohmann::json run = nlohmann::json::parse(out.str());
  EXPECT_EQ(run["status"], "complete");
  EXPECT_EQ(run["chips"], 8);
  EXPECT_GT(run["energy_ratio"].get<double>(), 1.0);
  EXPECT_EQ(run["report"]["kind"], "report");
  const int64_t run_id = run["run_id"].get<int64_t>();
  ASSERT_GT(run_id, 0);

  CoordinatorCommandOptions q = Base("commands");
  q.run = run_id;
  std::ostringstream report, report_err;
  ASSERT_EQ(RunReportCommand(q, report, report_err), 0) << report_err.str();
  EXPECT_THAT(report.str(), HasSubstr("chip 7"));
  EXPECT_THAT(report.str(), HasSubstr("ratios vs baseline"));
  EXPECT_THAT(report.str(), HasSubstr("trace store: "));

  std::ostringstream list, list_err;
  ASSERT_EQ(RunListCommand(Base("commands"), list, list_err), 0) << list_err.str();
  EXPECT_THAT(list.str(), HasSubstr("svhn-paper-8chip"));
  EXPECT_THAT(list.str(), HasSubstr("baseline complete"));

  q.table = "power_intervals";
  q.format = "csv";
  std::ostringstream csv, csv_err;
  ASSERT_EQ(RunTraceExportCommand(q, csv, csv_err), 0) << csv_err.str();
  EXPECT_THAT(csv.str(), HasSubstr("active"));
  q.table = "bogus";
  std::ostringstream bad, bad_err;
  EXPECT_EQ(RunTraceExportCommand(q, bad, bad_err), 2);
  EXPECT_THAT(bad_err.str(), HasSubstr("bogus"));

  CoordinatorCommandOptions c = Base("commands");
  c.run = run_id;
  c.json = true;
  std::ostringstream cmp, cmp_err;
  ASSERT_EQ(RunCompareCommand(c, cmp, cmp_err), 0) << cmp_err.str();
  const nlohmann::json ratios = nlohmann::json::parse(cmp.str())["ratios"];
  EXPECT_DOUBLE_EQ(ratios["energy"].get<double>(), run["energy_ratio"].get<double>());
}

TEST(CoordinatorCommandsTest, LoopbackRunExportsStreams) {
  CoordinatorCommandOptions o = Base("loopback");
  o.workload = "mnist";
  o.export_streams = std::string(std::getenv("TEST_TMPDIR")) + "/streams";
  std::ostringstream out, err;
  ASSERT_EQ(RunRunCommand(o, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("ratios vs baseline"));
  std::ifstream chip7(o.export_streams + "/chip_7_out.txt");
  ASSERT_TRUE(chip7.good());
  std::string first;
  std::getline(chip7, first);
  EXPECT_EQ(first.size(), 4u);  // one 4-hex-digit word per line
}

TEST(CoordinatorCommandsTest, UsageErrorsAreExitCodeTwo) {
  CoordinatorCommandOptions o = Base("usage");
  std::ostringstream out, err;
  EXPECT_EQ(RunRunCommand(o, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("--workload is required"));
  o.workload = "svhn";
  o.chips = 5;
  o.backend = "in_process";
  std::ostringstream out2, err2;
  EXPECT_EQ(RunRunCommand(o, out2, err2), 2);
  EXPECT_THAT(err2.str(), HasSubstr("chips"));
  o.chips = 0;
  o.input = "/nonexistent/input.bin";
  std::ostringstream out3, err3;
  EXPECT_EQ(RunRunCommand(o, out3, err3), 2);
  EXPECT_THAT(err3.str(), HasSubstr("/nonexistent/input.bin"));
  CoordinatorCommandOptions r = Base("usage");
  r.run = 12345;
  std::ostringstream out4, err4;
  EXPECT_EQ(RunReportCommand(r, out4, err4), 1);
  EXPECT_THAT(err4.str(), HasSubstr("12345"));
}

}  // namespace
}  // namespace illusion::clients
