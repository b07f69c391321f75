// LoopbackFleet with real chipd processes (//chipd:chipd from the runfiles):
// start, health, stop; a chip that fails to start is named with its stderr
// and the others are stopped; a killed chip is Unavailable.

#include "coordinator/backends/loopback_fleet.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "coordinator/backends/chipd_locator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(LoopbackFleetTest, StartsHealthyChipsAndStopsThem) {
  ASSERT_OK_AND_ASSIGN(std::string chipd, FindChipdBinary());
  EXPECT_THAT(chipd, EndsWith("chipd/chipd"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LoopbackFleet> fleet, LoopbackFleet::Start(3));
  std::cerr << "loopback start-up, 3 chips: " << fleet->startup_time().count() << " us\n";
  EXPECT_EQ(fleet->size(), 3);
  const std::vector<pid_t> pids = fleet->pids();
  const std::vector<std::string> addresses = fleet->addresses();
  ASSERT_EQ(pids.size(), 3u);
  EXPECT_EQ(std::set<pid_t>(pids.begin(), pids.end()).size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_TRUE(Alive(pids[k]));
    EXPECT_THAT(addresses[k], ::testing::StartsWith("127.0.0.1:"));
    EXPECT_EQ(fleet->Describe(k), absl::StrCat("chipd ", addresses[k], " (chip ", k, ")"));
    ASSERT_OK_AND_ASSIGN(illusion::v1::ChipInfo info, fleet->GetInfo(k));
    EXPECT_EQ(info.chip_id(), k);
    EXPECT_EQ(info.model().name(), "msp430_rram");
  }
  illusion::v1::ChipModel grown = *chipd::LoadChipModel("msp430_rram");
  grown.set_weight_nvm_bytes(1 << 20);
  ASSERT_OK(fleet->Reset(2, grown));
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipInfo info, fleet->GetInfo(2));
  EXPECT_EQ(info.model().weight_nvm_bytes(), 1 << 20);

  const auto stop_start = std::chrono::steady_clock::now();
  fleet->Stop();
  // Graceful (SIGTERM) and prompt: the daemons have no client to wait for.
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::milliseconds(1000));
  for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
  EXPECT_THAT(fleet->Stderr(1), HasSubstr("shutting down"));
  EXPECT_THAT(fleet->Execute(1, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(fleet->Describe(1)), HasSubstr("stopped"))));
  fleet->Stop();  // idempotent
}

TEST(LoopbackFleetTest, SequentialStartWorksToo) {
  LoopbackOptions options;
  options.parallel_start = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LoopbackFleet> fleet, LoopbackFleet::Start(2, options));
  std::cerr << "loopback start-up, 2 chips, sequential: " << fleet->startup_time().count()
            << " us\n";
  const std::vector<pid_t> pids = fleet->pids();
  fleet.reset();  // the destructor stops them
  for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
}

TEST(LoopbackFleetTest, AKilledChipIsUnavailableNamingIt) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LoopbackFleet> fleet, LoopbackFleet::Start(2));
  ASSERT_OK(fleet->Reset(1));
  kill(fleet->pids()[1], SIGKILL);
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = fleet->Reset(1);
  for (int i = 0; i < 100 && s.ok(); ++i) s = fleet->Reset(1);  // until the kill lands
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable,
                          HasSubstr(fleet->Describe(1) + " is unreachable")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_OK(fleet->Reset(0));
}

TEST(LoopbackFleetTest, BadFlagsAreReportedWithTheChipIdAndStderr) {
  LoopbackOptions options;
  options.extra_flags = {"--chip_model=no_such_model"};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(LoopbackFleet::Start(3, options),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("loopback fleet of 3 chips: chip 0"),
                             HasSubstr("did not start"), HasSubstr("stderr: 'chipd:"),
                             HasSubstr("no_such_model"))));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_THAT(LoopbackFleet::Start(0), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("at least 1 chip; got 0")));
  options.chipd_binary = "/no/such/chipd";
  EXPECT_THAT(LoopbackFleet::Start(1, options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/no/such/chipd")));
}

// A wrapper around chipd that refuses to boot as chip 2 and records the pid
// of every other chip (exec keeps it).
std::string WriteFlakyChipd(const std::string& chipd, const std::string& pid_file) {
  const std::string path = TempDir() + "/flaky_chipd.sh";
  std::ofstream script(path);
  script << "#!/bin/sh\n"
         << "case \"$*\" in *--chip_id=2\\ *) echo 'chip two: no power' >&2; exit 3;; esac\n"
         << "echo $$ >> " << pid_file << "\n"
         << "exec " << chipd << " \"$@\"\n";
  script.close();
  chmod(path.c_str(), 0755);
  return path;
}

TEST(LoopbackFleetTest, AChipThatFailsToStartIsNamedAndTheOthersAreStopped) {
  ASSERT_OK_AND_ASSIGN(std::string chipd, FindChipdBinary());
  for (bool parallel : {false, true}) {
    SCOPED_TRACE(parallel ? "parallel" : "sequential");
    const std::string pid_file = TempDir() + (parallel ? "/pids_parallel" : "/pids_sequential");
    LoopbackOptions options;
    options.chipd_binary = WriteFlakyChipd(chipd, pid_file);
    options.parallel_start = parallel;
    options.start_timeout = std::chrono::milliseconds(3000);
    EXPECT_THAT(LoopbackFleet::Start(4, options),
                StatusIs(absl::StatusCode::kUnavailable,
                         AllOf(HasSubstr("chip 2"), HasSubstr("chip two: no power"))));
    std::ifstream in(pid_file);
    std::stringstream text;
    text << in.rdbuf();
    int started = 0;
    for (absl::string_view line : absl::StrSplit(text.str(), '\n', absl::SkipEmpty())) {
      int pid = 0;
      ASSERT_TRUE(absl::SimpleAtoi(line, &pid)) << line;
      EXPECT_FALSE(Alive(pid)) << "chipd pid " << pid << " still running";
      ++started;
    }
    EXPECT_EQ(started, parallel ? 3 : 2);  // sequential stops at chip 2
  }
}

}  // namespace
}  // namespace illusion::coordinator
