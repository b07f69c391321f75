#include "clients/partition_command.h"

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace illusion::clients {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

PartitionCommandOptions Options(std::string workload, std::string strategy, double memsize,
                                std::string format = "table") {
  PartitionCommandOptions o;
  o.workload = std::move(workload);
  o.strategy = std::move(strategy);
  o.memsize_mib = memsize;
  o.format = std::move(format);
  return o;
}

TEST(PartitionCommandTest, GreedyResnetAtSixMibHasEightChips) {
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Options("resnet50", "greedy", 6)));
  EXPECT_THAT(table, HasSubstr("resnet50: 8 chips"));
  EXPECT_THAT(table, HasSubstr("message bytes 3783088"));
  ASSERT_OK_AND_ASSIGN(std::string json,
                       RunPartitionCommand(Options("resnet50", "greedy", 6, "json")));
  EXPECT_THAT(json, HasSubstr("\"chips\": 8"));
  EXPECT_THAT(json, HasSubstr("\"message_bytes\": 3783088"));
}

TEST(PartitionCommandTest, PaperCsvHasThePapersHeader) {
  ASSERT_OK_AND_ASSIGN(std::string csv,
                       RunPartitionCommand(Options("alexnet", "greedy", 16, "paper-csv")));
  EXPECT_THAT(csv, StartsWith("Node Name, Layer Name, Layer Number, ifmap, ofmap, fmap"));
  EXPECT_THAT(csv, HasSubstr("node_8"));
}

TEST(PartitionCommandTest, IdealIsOneChip) {
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Options("vgg16", "ideal", 0)));
  EXPECT_THAT(table, HasSubstr("vgg_net: 1 chips"));
}

TEST(PartitionCommandTest, ChipsMustAgreeWithTheMemsize) {
  PartitionCommandOptions o = Options("resnet50", "greedy", 6);
  o.chips = 4;
  EXPECT_THAT(RunPartitionCommand(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--chips=4 contradicts --memsize_mib=6, which gives 8 chips")));
}

TEST(PartitionCommandTest, BadRequestsGetOneLineErrors) {
  EXPECT_THAT(RunPartitionCommand(Options("resnet", "greedy", 6)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown --workload 'resnet'")));
  EXPECT_THAT(RunPartitionCommand(Options("resnet50", "random", 6)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown --strategy 'random'")));
  EXPECT_THAT(RunPartitionCommand(Options("resnet50", "greedy", 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs --memsize_mib")));
  EXPECT_THAT(RunPartitionCommand(Options("resnet50", "greedy", 6, "xml")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown --format 'xml'")));
  EXPECT_THAT(RunPartitionCommand(Options("lstm_lm", "greedy", 32, "paper-csv")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name one of them")));
  EXPECT_THAT(RunPartitionCommand(Options("vgg16", "greedy", 0.001)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("budget")));
  EXPECT_THAT(RunPartitionCommand(Options("mnist", "paper", 0)),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("not implemented yet")));
}

}  // namespace
}  // namespace illusion::clients
