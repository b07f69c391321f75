#include "clients/endurance/endurance_command.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "endurer/reference_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace illusion::clients {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct CommandRun {
  int code;
  std::string out;
  std::string err;
};

CommandRun Replay(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunEnduranceReplay(args, out, err);
  return {code, out.str(), err.str()};
}

std::string TempFile(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path) << contents;
  return path;
}

std::string SvhnTracePath() {
  absl::StatusOr<std::string> dir = ::illusion::testing::ReferenceDir();
  return dir.ok() ? absl::StrCat(*dir, "/", endurer::testing::kSvhnTrace) : "";
}

TEST(EnduranceCommandTest, SvhnTraceJsonHas61652NvmWritesAnd4Pending) {
  REQUIRE_ENDURER_REFERENCE_FILE(unused, endurer::testing::kSvhnTrace);
  const CommandRun r = Replay({"--trace=" + SvhnTracePath(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["nvm_writes"], 61652);
  EXPECT_EQ(j["pending"], 4);
  EXPECT_EQ(j["remaps"], 0);
  EXPECT_EQ(j["swaps"], 0);
  EXPECT_EQ(j["per_chip_writes"], nlohmann::json({61652, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(j["trace_lines"], 250724);
  EXPECT_EQ(j["eps"], 0.6);
  EXPECT_EQ(j["mode"], "endurer");
}

TEST(EnduranceCommandTest, SvhnTraceTextAndSwapPreset) {
  REQUIRE_ENDURER_REFERENCE_FILE(unused, endurer::testing::kSvhnTrace);
  const CommandRun text = Replay({"--trace", SvhnTracePath()});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("nvm_writes       61652"));
  EXPECT_THAT(text.out, HasSubstr("pending          4\n"));
  EXPECT_THAT(text.out, HasSubstr("  p0              61652       v0       0\n"));

  // Two runs, distributed with the SVHN preset: every chip remaps once at M
  // writes; far below C = 7e8, no swap.
  const CommandRun de =
      Replay({"--trace=" + SvhnTracePath(), "--runs=2", "--swap", "--policy=svhn", "--json"});
  ASSERT_EQ(de.code, 0) << de.err;
  const nlohmann::json j = nlohmann::json::parse(de.out);
  EXPECT_EQ(j["remaps"], 8);
  EXPECT_EQ(j["remap_writes"], 8 * 2048);
  EXPECT_EQ(j["swaps"], 0);
  EXPECT_EQ(j["mode"], "distributed");
  EXPECT_EQ(j["tau"], 0.45);
  EXPECT_EQ(j["c"], 7e8);
}

TEST(EnduranceCommandTest, SmallTraceWithRemapPeriodAndSwap) {
  std::string trace;
  for (int i = 0; i < 8; ++i) absl::StrAppend(&trace, "0,", i, ",1\n");
  const std::string path = TempFile("small.txt", trace);
  const CommandRun r = Replay({"--trace=" + path, "--remap_period=4", "--seed=7", "--swap",
                               "--eps=0", "--c=0", "--tau=0.5", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["remaps"], 2);
  EXPECT_EQ(j["swaps"], 1);
  EXPECT_EQ(j["eps"], 0.5);
  EXPECT_EQ(j["nvm_writes"], 8 + 2 * 2048 + 2 * 2048);
  EXPECT_EQ(j["pending"], 0);
  EXPECT_EQ(j["remap_period"], 4);
  EXPECT_EQ(j["swap_events"][0]["light"], 1);

  const CommandRun glibc = Replay(
      {"--trace=" + path, "--remap_period=8", "--seed=12345", "--shift_rng=glibc", "--json"});
  ASSERT_EQ(glibc.code, 0) << glibc.err;
  EXPECT_EQ(nlohmann::json::parse(glibc.out)["offsets"][0], 855);  // first glibc shift

  const CommandRun none = Replay({"--trace=" + path, "--mode=none", "--json"});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out)["nvm_writes"], 8);
}

TEST(EnduranceCommandTest, MalformedLineNamesFileLineAndText) {
  const std::string path = TempFile("bad.txt", "0,07bf,0080\n0,07bf,0080\n0,07zz,0080\n");
  const CommandRun r = Replay({"--trace=" + path});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat(path, ":3: malformed trace line '0,07zz,0080'")));
}

TEST(EnduranceCommandTest, RecordsThatDoNotFitAreRuntimeErrors) {
  const std::string path = TempFile("chip9.txt", "0,0001,0001\n9,0001,0001\n");
  const CommandRun r = Replay({"--trace=" + path});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              HasSubstr(absl::StrCat(path, ": line 2: chip 9 outside [0, 8) in '9,0001,0001'")));
  const std::string addr = TempFile("addr.txt", "0,0800,0001\n");
  EXPECT_THAT(Replay({"--trace=" + addr}).err, HasSubstr("line 1: address 0x0800 past"));
}

TEST(EnduranceCommandTest, MissingOrUnreadableTraceIsARuntimeError) {
  const CommandRun r = Replay({"--trace=/nonexistent/trace.txt"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot read trace '/nonexistent/trace.txt': No such file"));
  const char* tmp = std::getenv("TEST_TMPDIR");
  const CommandRun dir = Replay({absl::StrCat("--trace=", tmp != nullptr ? tmp : "/tmp")});
  EXPECT_EQ(dir.code, 1);
  EXPECT_THAT(dir.err, HasSubstr("is a directory"));
}

TEST(EnduranceCommandTest, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"--json"},
           {"--trace=x", "--bogus=1"},
           {"--trace=x", "positional"},
           {"--trace=x", "--runs=0"},
           {"--trace=x", "--runs=-3"},
           {"--trace=x", "--seed=abc"},
           {"--trace=x", "--tau=nan"},
           {"--trace=x", "--mode=fast"},
           {"--trace=x", "--mode=endurer", "--swap"},
           {"--trace=x", "--policy=vgg"},
           {"--trace=x", "--json=maybe"},
           {"--trace=x", "--chips=0"},
           {"--trace"},
       }) {
    const CommandRun r = Replay(args);
    EXPECT_EQ(r.code, 2) << absl::StrJoin(args, " ");
    EXPECT_THAT(r.err, HasSubstr("usage: illusionctl endurance replay"))
        << absl::StrJoin(args, " ");
  }
  EXPECT_THAT(Replay({}).err, HasSubstr("--trace=FILE is required"));
  EXPECT_THAT(Replay({"--trace=x", "--bogus=1"}).err, HasSubstr("unknown flag '--bogus'"));
  EXPECT_THAT(Replay({"--trace=x", "--seed=abc"}).err,
              HasSubstr("--seed: 'abc' is not a non-negative integer"));
}

TEST(EnduranceCommandTest, HelpAndSubcommands) {
  const CommandRun help = Replay({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("--remap_period=N"));
  std::ostringstream out, err;
  EXPECT_EQ(RunEnduranceCommand({}, out, err), 2);
  EXPECT_EQ(RunEnduranceCommand({"simulate"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown subcommand 'simulate'"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunEnduranceCommand({"replay", "--trace=/nonexistent"}, out2, err2), 1);
}

TEST(EnduranceCommandTest, ParseFlags) {
  ASSERT_OK_AND_ASSIGN(EnduranceReplayFlags f,
                       ParseEnduranceReplayFlags({"--trace=t", "--policy=d2nn", "--eps=0.5",
                                                  "--remap_period", "0", "--json=false"}));
  EXPECT_EQ(f.policy.tau, 0.4);
  EXPECT_EQ(f.policy.eps, 0.5);
  EXPECT_EQ(f.policy.c, 7e8);
  ASSERT_TRUE(f.remap_period.has_value());
  EXPECT_EQ(*f.remap_period, 0u);
  EXPECT_FALSE(f.json);
  EXPECT_EQ(f.mode, endurer::Mode::kEndurer);
  EXPECT_THAT(ParseEnduranceReplayFlags({"--trace=t", "--c=-1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--c")));
}

}  // namespace
}  // namespace illusion::clients
