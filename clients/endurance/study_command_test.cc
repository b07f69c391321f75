#include "clients/endurance/study_command.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "clients/endurance/endurance_command.h"
#include "gtest/gtest.h"
#include "tests/testing/reference_data.h"

namespace illusion::clients {
namespace {

struct CommandRun {
  int code;
  std::string out, err;
};

CommandRun Endurance(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunEnduranceCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(StudyCommandTest, BadFlagsExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"study", "--bogus"},
                                             {"study", "--workload=svhn"},
                                             {"study", "--source=model"},
                                             {"study", "--limit=-3"},
                                             {"study", "--accuracy_drop=x"},
                                             {"study", "--json=maybe"},
                                             {"study", "positional"},
                                             {"study", "--limit"}}) {
    CommandRun r = Endurance(args);
    EXPECT_EQ(r.code, 2) << args[1];
    EXPECT_NE(r.err.find("usage: illusionctl endurance study"), std::string::npos) << r.err;
  }
}

TEST(StudyCommandTest, HelpExitsZero) {
  CommandRun r = Endurance({"study", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--source=measured"), std::string::npos);
}

TEST(StudyCommandTest, MissingDataExitsOneNamingThePath) {
  CommandRun r = Endurance({"study", "--reference_dir=/nonexistent/kit"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/kit/endurer/stuck_bits_list_processed.csv"),
            std::string::npos)
      << r.err;
}

TEST(StudyCommandTest, MeasuredStudyPrintsTablePlotAndCsv) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string csv = ::testing::TempDir() + "/study.csv";
  CommandRun r = Endurance({"study", "--workload=d2nn", "--reference_dir=" + ref, "--limit=200",
                     "--csv=" + csv});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("TENYEAR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lifetime"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("accuracy vs time"), std::string::npos) << r.out;
  std::ifstream f(csv);
  std::string line;
  int lines = 0;
  while (std::getline(f, line)) ++lines;
  EXPECT_EQ(lines, 13);  // header + 2 schemes x 6 timepoints

  CommandRun j = Endurance({"study", "--reference_dir=" + ref, "--limit=50", "--json"});
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_NE(j.out.find("\"nr_lifetime_days\""), std::string::npos) << j.out;
}

TEST(StudyCommandTest, LifetimeStopsAtFirstDrop) {
  std::vector<StudyPoint> pts(6);
  const int correct[] = {93, 93, 92, 80, 93, 93};
  for (int t = 0; t < 6; ++t) {
    pts[t].timepoint = t;
    pts[t].accuracy.total = 100;
    pts[t].accuracy.correct = correct[t];
  }
  bool all = true;
  EXPECT_EQ(LifetimeDays(pts, 2.0, &all), 7);
  EXPECT_FALSE(all);
  EXPECT_EQ(LifetimeDays(pts, 20.0, &all), 3650);
  EXPECT_TRUE(all);
}

}  // namespace
}  // namespace illusion::clients
