#include "clients/endurance/study_command.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "clients/endurance/endurance_command.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/reference_data.h"

namespace illusion::clients {
namespace {

struct CommandRun {
  int code;
  std::string out, err;
};

CommandRun Endurance(const std::vector<std::string>& args) {
  // Studies without --db are recorded in the test's own default store.
  setenv("ILLUSION_DB", (::testing::TempDir() + "/default_traces.db").c_str(), 0);
  std::ostringstream out, err;
  int code = RunEnduranceCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(StudyCommandTest, BadFlagsExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"study", "--bogus"},
                                             {"study", "--workload=svhn"},
                                             {"study", "--source=simulated"},
                                             {"study", "--years=5"},  // measured source
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

TEST(StudyCommandTest, ModelFlagErrorsNameTheFlagTheValueAndTheRange) {
  struct Case {
    std::string arg, want;
  };
  for (const Case& c : std::vector<Case>{
           {"--years=0", "--years: '0' is not a number in (0, 100]"},
           {"--years=101", "--years: '101' is not a number in (0, 100]"},
           {"--inference_rate=-1", "--inference_rate: '-1' is not a rate in inferences per hour in (0, 1e7]"},
           {"--remap_period_hours=0", "--remap_period_hours: '0' is not a number of hours in [0.01, 8760]"},
           {"--chips=65", "--chips: '65' is not an integer in [1, 64]"},
           {"--seed=x", "--seed: 'x' is not an integer in [0, 2^64)"},
           {"--endurance_median=0.5", "--endurance_median: '0.5' is not a number of word writes in [1, 1e15]"},
           {"--endurance_sigma=nan", "--endurance_sigma: 'nan' is not a number in [0, 10]"},
           {"--stuck_at_one=1.5", "--stuck_at_one: '1.5' is not a fraction in [0, 1]"}}) {
    absl::StatusOr<StudyFlags> f = ParseStudyFlags({"--source=model", c.arg});
    ASSERT_FALSE(f.ok()) << c.arg;
    EXPECT_EQ(f.status().message(), c.want);
  }
  absl::StatusOr<StudyFlags> f = ParseStudyFlags({"--years=5"});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "--years applies only to --source=model");
  ASSERT_TRUE(ParseStudyFlags({"--source=model", "--years=0.5", "--inference_rate", "3600",
                               "--remap_period_hours=1", "--seed=42", "--chips=4"})
                  .ok());
}

std::vector<StudyPoint> Points(const std::vector<int>& correct,
                               const std::vector<double>& days = {0, 1, 7, 30, 365, 3650}) {
  std::vector<StudyPoint> pts(correct.size());
  for (size_t t = 0; t < correct.size(); ++t) {
    pts[t].timepoint = static_cast<int>(t);
    pts[t].days = days[t];
    pts[t].accuracy.total = 100;
    pts[t].accuracy.correct = correct[t];
  }
  return pts;
}

TEST(StudyCommandTest, LifetimeIsTheLastPointBeforeAccuracyStaysBelowTheThreshold) {
  bool all = true;
  // A dip at MONTH that recovers does not end the life; failure from YEAR on.
  EXPECT_EQ(LifetimeDays(Points({93, 93, 92, 80, 93, 60}), 93, 2.0, &all), 365);
  EXPECT_FALSE(all);
  // Recovers up to the end: survives.
  EXPECT_EQ(LifetimeDays(Points({93, 93, 92, 80, 93, 93}), 93, 2.0, &all), 3650);
  EXPECT_TRUE(all);
  // A yield-time dip at ZERO (and DAY) does not make the lifetime 0.
  EXPECT_EQ(LifetimeDays(Points({85, 87, 93, 93, 93, 93}), 93, 2.0, &all), 3650);
  EXPECT_TRUE(all);
  // Permanently below from DAY: lifetime 0 days.
  EXPECT_EQ(LifetimeDays(Points({93, 50, 40, 30, 20, 10}), 93, 2.0, &all), 0);
  EXPECT_FALSE(all);
  // Fractional days of a "<Y>YEAR" horizon.
  EXPECT_EQ(LifetimeDays(Points({93, 93, 93}, {0, 1, 182.5}), 93, 2.0, &all), 182.5);
  EXPECT_TRUE(all);
}

TEST(StudyCommandTest, GainIsNeverZeroWhenDeIsClearlyBetter) {
  // The measured D2NN shape: DE dips at DAY and YEAR but ends at the clean
  // accuracy; NR fails for good after MONTH.
  StudyResult r;
  const std::vector<StudyPoint> nr = Points({93, 93, 93, 93, 57, 15});
  const std::vector<StudyPoint> de = Points({93, 87, 93, 93, 87, 93});
  r.nr_lifetime_days = LifetimeDays(nr, 93.4, 2.0, &r.nr_survives_all);
  r.de_lifetime_days = LifetimeDays(de, 93.4, 2.0, &r.de_survives_all);
  EXPECT_EQ(r.nr_lifetime_days, 30);
  EXPECT_EQ(r.de_lifetime_days, 3650);
  EXPECT_EQ(LifetimeGainText(r), ">= 121.7x (DE 3650+ days vs NR 30 days)");

  // NR fails right after ZERO, DE lives: no ratio.
  r.nr_lifetime_days = 0;
  r.nr_survives_all = false;
  EXPECT_EQ(LifetimeGainText(r).rfind("unbounded", 0), 0u) << LifetimeGainText(r);
  // Both survive: no ratio.
  r.nr_lifetime_days = 3650;
  r.nr_survives_all = true;
  EXPECT_EQ(LifetimeGainText(r).rfind("n/a", 0), 0u) << LifetimeGainText(r);
  // Both fail: a plain ratio.
  r.nr_lifetime_days = 7;
  r.nr_survives_all = false;
  r.de_lifetime_days = 365;
  r.de_survives_all = false;
  EXPECT_EQ(LifetimeGainText(r), "52.1x (DE 365 days vs NR 7 days)");
}

std::vector<std::string> ModelArgs(const std::string& ref) {
  // Fragile cells (median 10^6 writes) and a 0.1-year horizon: the NR
  // activation words see 657,000 writes, DE spreads them over 8 chips.
  return {"study",          "--source=model",        "--reference_dir=" + ref,
          "--limit=60",     "--years=0.1",           "--endurance_median=1e6",
          "--endurance_sigma=0.5", "--seed=3",       "--json"};
}

TEST(StudyCommandTest, ModelStudyNoResiliencyDegradesAtLeastAsFastAndIsReproducible) {
  REQUIRE_REFERENCE_DIR(ref);
  CommandRun a = Endurance(ModelArgs(ref));
  ASSERT_EQ(a.code, 0) << a.err;
  CommandRun b = Endurance(ModelArgs(ref));
  ASSERT_EQ(b.code, 0) << b.err;
  nlohmann::json j = nlohmann::json::parse(a.out);
  nlohmann::json jb = nlohmann::json::parse(b.out);
  // Recorded as two studies; otherwise the same seed gives the same everything.
  EXPECT_EQ(jb["study"]["id"].get<int>(), j["study"]["id"].get<int>() + 1);
  j.erase("study");
  jb.erase("study");
  EXPECT_EQ(j, jb);

  EXPECT_EQ(j["source"], "model");
  EXPECT_EQ(j["model"]["seed"], 3);
  const nlohmann::json& pts = j["points"];
  ASSERT_EQ(pts.size(), 10u);  // ZERO DAY WEEK MONTH 0.1YEAR, NR then DE
  EXPECT_EQ(pts[4]["timepoint"], "0.1YEAR");
  EXPECT_DOUBLE_EQ(pts[4]["cum_days"].get<double>(), 36.5);
  for (size_t t = 0; t < 5; ++t) {
    const nlohmann::json& nr = pts[t];
    const nlohmann::json& de = pts[t + 5];
    ASSERT_EQ(nr["scheme"], "NR");
    ASSERT_EQ(de["scheme"], "DE");
    EXPECT_GE(nr["mask_stuck_bits"].get<int>(), de["mask_stuck_bits"].get<int>()) << t;
    EXPECT_EQ(nr["stuck_bits_per_chip"].size(), 8u);
  }
  EXPECT_GT(pts[4]["mask_stuck_bits"].get<int>(), 100);
  EXPECT_LT(pts[4]["accuracy_pct"].get<double>(), pts[9]["accuracy_pct"].get<double>());
  EXPECT_LE(j["nr_lifetime_days"].get<double>(), j["de_lifetime_days"].get<double>());

  CommandRun other = Endurance({"study", "--source=model", "--reference_dir=" + ref,
                                "--limit=60", "--years=0.1", "--endurance_median=1e6",
                                "--endurance_sigma=0.5", "--seed=4", "--json"});
  ASSERT_EQ(other.code, 0) << other.err;
  nlohmann::json jo = nlohmann::json::parse(other.out);
  jo.erase("study");
  EXPECT_NE(jo, j);
}

TEST(StudyCommandTest, ModelStudyTextHasTablePlotAndCsv) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string csv = ::testing::TempDir() + "/model_study.csv";
  CommandRun r = Endurance({"study", "--source=model", "--reference_dir=" + ref, "--limit=30",
                            "--years=2", "--csv=" + csv});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2YEAR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model: 8 chips, 750 inferences/h"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("accuracy vs time"), std::string::npos) << r.out;
  std::ifstream f(csv);
  std::string line;
  int lines = 0;
  while (std::getline(f, line)) ++lines;
  EXPECT_EQ(lines, 1 + 2 * 6);  // ZERO DAY WEEK MONTH YEAR 2YEAR
}

// Every point of a study lands in the trace store; `endurance show` rebuilds
// exactly what the study printed, and `endurance list` finds it.
TEST(StudyCommandTest, StudyIsRecordedAndShowReproducesItsOutput) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string db = ::testing::TempDir() + "/recorded_study.db";
  const std::string csv = ::testing::TempDir() + "/recorded_study.csv";
  std::vector<std::string> args = ModelArgs(ref);
  args.push_back("--db=" + db);
  args.push_back("--csv=" + csv);
  CommandRun run = Endurance(args);
  ASSERT_EQ(run.code, 0) << run.err;
  const nlohmann::json study = nlohmann::json::parse(run.out);
  ASSERT_TRUE(study["study"].is_object()) << run.out;
  EXPECT_EQ(study["study"]["db"], db);
  const std::string id = std::to_string(study["study"]["id"].get<int>());

  CommandRun shown = Endurance({"show", "--study=" + id, "--db=" + db, "--json"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  nlohmann::json back = nlohmann::json::parse(shown.out);
  EXPECT_EQ(back["status"], "complete");
  EXPECT_TRUE(back["error"].is_null());
  for (const char* key : {"status", "started_at", "finished_at", "error"}) back.erase(key);
  EXPECT_EQ(back, study);

  std::ifstream f(csv);
  const std::string csv_text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CommandRun shown_csv = Endurance({"show", "--study", id, "--db", db, "--csv"});
  ASSERT_EQ(shown_csv.code, 0) << shown_csv.err;
  EXPECT_EQ(shown_csv.out, csv_text);

  std::vector<std::string> text_args = ModelArgs(ref);
  text_args.pop_back();  // --json
  text_args.push_back("--db=" + db);
  CommandRun text_run = Endurance(text_args);
  ASSERT_EQ(text_run.code, 0) << text_run.err;
  EXPECT_NE(text_run.out.find("recorded as endurance study"), std::string::npos) << text_run.out;
  const std::string text_id = std::to_string(std::stoi(id) + 1);
  CommandRun shown_text = Endurance({"show", "--study=" + text_id, "--db=" + db});
  ASSERT_EQ(shown_text.code, 0) << shown_text.err;
  EXPECT_EQ(shown_text.out, text_run.out);

  CommandRun list = Endurance({"list", "--db=" + db, "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  const nlohmann::json rows = nlohmann::json::parse(list.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["id"].get<int>(), std::stoi(id));
  EXPECT_EQ(rows[1]["status"], "complete");
  EXPECT_EQ(rows[1]["points"], 10);
  EXPECT_EQ(rows[1]["chips"], 8);
  EXPECT_DOUBLE_EQ(rows[1]["nr_lifetime_days"].get<double>(),
                   study["nr_lifetime_days"].get<double>());
  const std::string figures = ::testing::TempDir() + "/study_figures";
  CommandRun plotted =
      Endurance({"show", "--study=" + id, "--db=" + db, "--figures=" + figures});
  ASSERT_EQ(plotted.code, 0) << plotted.err;
  for (const std::string name : {"accuracy_vs_time.svg", "stuck_bits_vs_time.svg"}) {
    EXPECT_NE(plotted.err.find("figure: " + figures + "/" + name), std::string::npos)
        << plotted.err;
    std::ifstream svg(figures + "/" + name);
    const std::string doc((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    EXPECT_NE(doc.find("<svg"), std::string::npos) << name;
    EXPECT_NE(doc.find("NR "), std::string::npos) << name;
    EXPECT_NE(doc.find("DE "), std::string::npos) << name;
  }
  CommandRun list_text = Endurance({"list", "--db=" + db});
  ASSERT_EQ(list_text.code, 0) << list_text.err;
  EXPECT_NE(list_text.out.find("complete"), std::string::npos) << list_text.out;
}

TEST(StudyCommandTest, StoreCommandErrorsNameTheProblem) {
  const std::string db = ::testing::TempDir() + "/errors.db";
  CommandRun missing = Endurance({"show", "--study=99", "--db=" + db});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("endurance study 99 not found in " + db), std::string::npos)
      << missing.err;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"show", "--db=" + db},
                                             {"show", "--study=x"},
                                             {"show", "--study=1", "--json", "--csv"},
                                             {"list", "--limit=0"},
                                             {"list", "--study=1"},
                                             {"study", "--no_store", "--db=" + db}}) {
    CommandRun r = Endurance(args);
    EXPECT_EQ(r.code, 2) << args[0] << " " << args[1];
    EXPECT_NE(r.err.find("usage: illusionctl endurance"), std::string::npos) << r.err;
  }
  CommandRun empty = Endurance({"list", "--db=" + db});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_NE(empty.out.find("no endurance studies in " + db), std::string::npos) << empty.out;
}

// A study that fails (here: no test set) is recorded as failed with the
// reason, and nothing else is lost.
TEST(StudyCommandTest, FailedStudyIsMarkedFailedInTheStore) {
  REQUIRE_REFERENCE_DIR(ref);
  const std::string db = ::testing::TempDir() + "/failed_study.db";
  CommandRun r = Endurance({"study", "--source=model", "--reference_dir=" + ref,
                            "--test_set=/nonexistent/set_inputs.bin", "--db=" + db});
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.err.find("marked failed"), std::string::npos) << r.err;
  CommandRun list = Endurance({"list", "--db=" + db, "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  const nlohmann::json rows = nlohmann::json::parse(list.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "failed");
  EXPECT_NE(rows[0]["error"].get<std::string>().find("/nonexistent/set_inputs.bin"),
            std::string::npos)
      << rows[0];
  CommandRun shown = Endurance({"show", "--study=1", "--db=" + db});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("failed"), std::string::npos) << shown.out;
}

}  // namespace
}  // namespace illusion::clients
