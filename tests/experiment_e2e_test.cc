// The whole system over real processes: a `coordinator` daemon, the chipd
// daemons it launches on loopback for every experiment, and `illusionctl
// run --coordinator=...` as the client. For each of the paper's four
// workloads, an 8-chip experiment on the reference weights and sample whose
// exported word streams equal the reference streams word for word and whose
// classes equal the ideal chip's. Bad requests get clear errors and the
// coordinator keeps serving.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "coordinator/recording/stream_export.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/reference_data.h"

namespace illusion {
namespace {

using ::testing::HasSubstr;
using Words = std::vector<uint16_t>;

// The coordinator daemon on 127.0.0.1:<free port>, stopped with SIGTERM.
class CoordinatorProcess {
 public:
  explicit CoordinatorProcess(const std::string& database) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string db = "--database=" + database;
      execl("coordinator/coordinator", "coordinator", "--listen=127.0.0.1:0", db.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512];
    if (f != nullptr && std::fgets(line, sizeof(line), f) != nullptr) {
      const std::string text(line);
      const size_t at = text.find("listening on ");
      if (at != std::string::npos) {
        address_ = text.substr(at + 13, text.find(' ', at + 13) - (at + 13));
      }
    }
    if (f != nullptr) std::fclose(f);
  }
  ~CoordinatorProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  const std::string& address() const { return address_; }

 private:
  pid_t pid_ = -1;
  std::string address_;
};

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs illusionctl with `args`, capturing stdout and stderr.
Output Illusionctl(const std::vector<std::string>& args) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  std::string cmd = "clients/illusionctl";
  for (const std::string& a : args) absl::StrAppend(&cmd, " '", a, "'");
  absl::StrAppend(&cmd, " >", dir, "/ctl.out 2>", dir, "/ctl.err");
  Output o;
  const int status = std::system(cmd.c_str());
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  o.out = slurp(dir + "/ctl.out");
  o.err = slurp(dir + "/ctl.err");
  return o;
}

struct Case {
  std::string workload;    // illusionctl --workload
  std::string folder;      // reference folder
  std::string messages;    // reference messages file
  std::string mode;        // its 8-chip entry
  std::string input;       // reference input file
  std::string stream_dir;  // the exported folder holding the compared streams
  int expected_class;      // -1: not checked
};

class ExperimentE2eTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExperimentE2eTest, EightChipsOverProcessesMatchTheReferenceStreams) {
  REQUIRE_REFERENCE_DIR(ref);
  const Case& c = GetParam();
  const std::string tmp = std::getenv("TEST_TMPDIR");
  CoordinatorProcess coordinator(tmp + "/" + c.workload + ".db");
  ASSERT_FALSE(coordinator.address().empty()) << "the coordinator did not start";

  const std::string dir = ref + "/illusion/" + c.folder;
  const std::string streams = tmp + "/streams_" + c.workload;
  std::vector<std::string> args = {"run",
                                   "--coordinator=" + coordinator.address(),
                                   "--workload=" + c.workload,
                                   "--strategy=paper",
                                   "--chips=8",
                                   "--backend=loopback",
                                   "--weights=" + dir + "/weights",
                                   "--export_streams=" + streams,
                                   "--json"};
  if (c.workload == "kws_lstm") {
    // Two frames: step 0 is the reference's first step (last = 0), step 1
    // the final one.
    const std::string frames = tmp + "/lstm_frames.bin";
    std::ifstream x(dir + "/input_first_x.bin", std::ios::binary);
    const std::string frame((std::istreambuf_iterator<char>(x)), std::istreambuf_iterator<char>());
    std::ofstream(frames, std::ios::binary) << frame << frame;
    args.push_back("--input=" + frames);
    args.push_back("--initial_h=" + dir + "/input_first_h.bin");
    args.push_back("--initial_c=" + dir + "/input_first_c.bin");
  } else {
    args.push_back("--input=" + dir + "/" + c.input);
  }
  const Output run = Illusionctl(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["status"], "complete");
  EXPECT_EQ(report["chips"], 8);
  EXPECT_EQ(report["classes"], report["baseline_classes"]);  // the ideal chip's output
  if (c.expected_class >= 0) {
    EXPECT_EQ(report["classes"].back(), c.expected_class);
  }
  EXPECT_GT(report["energy_ratio"].get<double>(), 1.0);
  EXPECT_LT(report["energy_ratio"].get<double>(), 1.5);

  std::ifstream file(dir + "/" + c.messages);
  const nlohmann::json chips = nlohmann::json::parse(file).at(c.mode);
  for (auto it = chips.begin(); it != chips.end(); ++it) {
    SCOPED_TRACE(absl::StrCat(c.workload, " chip ", it.key()));
    const std::string prefix = streams + "/" + c.stream_dir + "chip_" + it.key();
    ASSERT_OK_AND_ASSIGN(Words in, coordinator::ReadStreamFile(prefix + "_in.txt"));
    ASSERT_OK_AND_ASSIGN(Words out, coordinator::ReadStreamFile(prefix + "_out.txt"));
    EXPECT_EQ(in, it.value().at("in_generated").get<Words>());
    EXPECT_EQ(out, it.value().at("out_generated").get<Words>());
  }

  // The stored report reads back through a fresh client.
  const Output stored = Illusionctl({"report", "--coordinator=" + coordinator.address(),
                                     absl::StrCat("--run=", report["run_id"].get<int64_t>()),
                                     "--json"});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(stored.out)["edp_ratio"].get<double>(),
                   report["edp_ratio"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(
    PaperWorkloads, ExperimentE2eTest,
    ::testing::Values(
        Case{"mnist", "mnist", "messages.json", "mode_illusion_io", "input_sample0.bin", "", 7},
        Case{"svhn", "svhn", "messages.json", "mode_illusion_io", "input_sample0.bin", "", 5},
        Case{"d2nn", "d2nn", "messages_low.json", "mode_illusion_low_io",
             "input_sample0_low.bin", "", 7},
        Case{"kws_lstm", "lstm", "messages_first.json", "mode_illusion_io", "", "step_0/", -1}),
    [](const auto& info) { return info.param.workload; });

TEST(ExperimentE2eTest, BadRequestsGetClearErrorsAndTheCoordinatorKeepsServing) {
  const std::string tmp = std::getenv("TEST_TMPDIR");
  CoordinatorProcess coordinator(tmp + "/bad.db");
  ASSERT_FALSE(coordinator.address().empty());
  const std::string at = "--coordinator=" + coordinator.address();

  Output o = Illusionctl({"run", at, "--workload=alexnet9"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("alexnet9"));
  o = Illusionctl({"run", at, "--workload=svhn", "--strategy=greedy", "--memsize_mib=0.0001"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("bytes"));
  o = Illusionctl({"run", at, "--workload=mnist", "--backend=grpc",
                   "--chip_endpoints=127.0.0.1:1,127.0.0.1:1,127.0.0.1:1,127.0.0.1:1,"
                   "127.0.0.1:1,127.0.0.1:1,127.0.0.1:1,127.0.0.1:1"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_THAT(o.err, HasSubstr("127.0.0.1:1"));

  o = Illusionctl({"run", at, "--workload=mnist", "--inferences=3", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["inferences"], 3);
  o = Illusionctl({"list", at, "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const auto& e : nlohmann::json::parse(o.out)) {
    for (const auto& r : e["runs"]) EXPECT_NE(r["status"], "running");
  }
}

// Distributed ENDURER over real chipd processes: the coordinator swaps a
// hot chip's NVM image to the least-written chip and re-routes it; the
// classes equal a run without wear levelling; the stored state and the
// report (read back from the store) agree.
TEST(ExperimentE2eTest, DistributedEndurerSwapsChipsOverProcessesWithoutChangingResults) {
  const std::string tmp = std::getenv("TEST_TMPDIR");
  CoordinatorProcess coordinator(tmp + "/wear.db");
  ASSERT_FALSE(coordinator.address().empty());
  const std::string at = "--coordinator=" + coordinator.address();
  const std::vector<std::string> common = {"run", at, "--workload=svhn", "--chips=8",
                                           "--backend=loopback", "--inferences=5",
                                           "--no_baseline", "--json"};
  const Output plain = Illusionctl(common);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  std::vector<std::string> args = common;
  for (const char* a : {"--endurer=distributed", "--remap_period=2", "--swap_policy=svhn",
                        "--endurer_c=0"}) {
    args.push_back(a);
  }
  const Output levelled = Illusionctl(args);
  ASSERT_EQ(levelled.exit_code, 0) << levelled.err;
  const nlohmann::json a = nlohmann::json::parse(plain.out);
  const nlohmann::json b = nlohmann::json::parse(levelled.out);
  EXPECT_EQ(a["classes"], b["classes"]);
  EXPECT_FALSE(a.contains("wear")) << a["wear"].dump();
  const nlohmann::json& wear = b["wear"];
  EXPECT_EQ(wear["mode"], "distributed");
  ASSERT_TRUE(wear.contains("swaps"));
  EXPECT_GE(std::stoi(wear["swaps"].get<std::string>()), 1);  // uint64 is a JSON string
  EXPECT_EQ(std::stoi(wear["remaps"].get<std::string>()), 2 * 8);  // after inferences 2 and 4
  ASSERT_EQ(wear["chips"].size(), 8u);
  bool moved = false;
  for (const auto& c : wear["chips"]) moved = moved || c.value("chip", 0) != c.value("virtual_chip", 0);
  EXPECT_TRUE(moved) << wear.dump();
  EXPECT_THAT(wear["state"].get<std::string>(), HasSubstr("mode distributed"));

  // The same summary from the store, and the rows behind it.
  const int64_t run = b["run_id"].get<int64_t>();
  const Output stored =
      Illusionctl({"report", at, absl::StrCat("--run=", run), "--json"});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_EQ(nlohmann::json::parse(stored.out)["wear"], wear);
  const Output events = Illusionctl({"trace", "export", at, absl::StrCat("--run=", run),
                                     "--table=wear_events", "--format=json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("\"swap\""));

  // A bad wear flag is a usage error naming it; the coordinator keeps serving.
  std::vector<std::string> bad = common;
  bad.push_back("--endurer=sometimes");
  const Output refused = Illusionctl(bad);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("sometimes"));
}

}  // namespace
}  // namespace illusion
