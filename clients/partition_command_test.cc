#include "clients/partition_command.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nn/workloads.h"
#include "partitioner/graph_partition.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::clients {
namespace {

using ::illusion::common::IsOkAndHolds;
using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
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

TEST(PartitionCommandTest, ScaledOutJsonAddsTheGraphPartition) {
  ASSERT_OK_AND_ASSIGN(std::string json,
                       RunPartitionCommand(Options("resnet50", "greedy", 6, "json")));
  const nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_EQ(j["net_parts"][0]["chips"].get<int>(), 8);  // LayerDesc, 16-bit weights
  const nlohmann::json& g = j["graph_partition"];
  EXPECT_EQ(g["graph"], "resnet50");
  EXPECT_EQ(g["memsize_bytes"].get<int64_t>(), int64_t{6} << 20);
  EXPECT_EQ(g["chips"].get<int>(), 4);  // int8 weights: half the bytes
  ASSERT_EQ(g["chip_slices"].size(), 4u);
  for (const auto& chip : g["chip_slices"]) {
    EXPECT_LE(chip["weight_bytes"].get<int64_t>(), int64_t{6} << 20);
  }
  // Net-part names have no graph section.
  ASSERT_OK_AND_ASSIGN(std::string part,
                       RunPartitionCommand(Options("alex_net", "greedy", 16, "json")));
  EXPECT_FALSE(nlohmann::json::parse(part).contains("graph_partition"));
  // A budget below the embedding's unit is reported inside the section.
  ASSERT_OK_AND_ASSIGN(std::string lstm,
                       RunPartitionCommand(Options("lstm_lm", "greedy", 0.5, "json")));
  EXPECT_THAT(nlohmann::json::parse(lstm)["graph_partition"]["error"].get<std::string>(),
              HasSubstr("embed1"));
}

TEST(PartitionCommandTest, ScaledOutChipsSearchesTheGraphBudgetSeparately) {
  PartitionCommandOptions o = Options("resnet50", "greedy", 0, "json");
  o.chips = 8;
  ASSERT_OK_AND_ASSIGN(std::string json, RunPartitionCommand(o));
  const nlohmann::json j = nlohmann::json::parse(json);
  EXPECT_LE(j["net_parts"][0]["chips"].get<int>(), 8);
  const nlohmann::json& g = j["graph_partition"];
  ASSERT_FALSE(g.contains("error")) << g.dump();
  // The int8 graph gets its own smallest budget for at most 8 chips, which
  // is below the 16-bit LayerDesc plan's budget.
  EXPECT_LE(g["chips"].get<int>(), 8);
  EXPECT_GT(g["chips"].get<int>(), 4);
  EXPECT_EQ(g["memsize_bytes"].get<int64_t>(), g["budget_search"]["memsize_bytes"].get<int64_t>());
  EXPECT_LT(g["memsize_bytes"].get<int64_t>(), j["budget_search"]["memsize_bytes"].get<int64_t>());
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

TEST(PartitionCommandTest, GreedyTakesChipsOrMemsizeNotBoth) {
  PartitionCommandOptions o = Options("resnet50", "greedy", 6);
  o.chips = 8;
  EXPECT_THAT(RunPartitionCommand(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--chips=8 contradicts --memsize_mib=6")));
}

TEST(PartitionCommandTest, GreedyScaledOutChipsFindsTheSmallestBudget) {
  PartitionCommandOptions o = Options("resnet50", "greedy", 0, "json");
  o.chips = 8;
  ASSERT_OK_AND_ASSIGN(std::string json, RunPartitionCommand(o));
  const nlohmann::json j = nlohmann::json::parse(json);
  const int64_t budget = j["budget_search"]["memsize_bytes"];
  EXPECT_LE(j["net_parts"][0]["chips"].get<int>(), 8);
  EXPECT_EQ(j["net_parts"][0]["memsize_bytes"].get<int64_t>(), budget);
  EXPECT_LE(budget, int64_t{6} << 20);  // 6 MiB gives 8 chips
  // One byte less needs more chips.
  o.chips = 0;
  o.memsize_mib = (budget - 1) / 1048576.0;
  o.format = "table";
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(o));
  EXPECT_THAT(table, Not(HasSubstr("resnet50: 8 chips")));
  // lstm_lm has two net parts, so at least two chips.
  EXPECT_THAT(RunPartitionCommand([] {
                PartitionCommandOptions l = Options("lstm_lm", "greedy", 0);
                l.chips = 1;
                return l;
              }()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is too few")));
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
  EXPECT_THAT(RunPartitionCommand(Options("alexnet", "paper", 0)),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("use greedy or ideal")));
}

// ---- The paper's four workloads (nn graphs). ----

PartitionCommandOptions Sized(std::string workload, std::string strategy, int chips,
                              double memsize = 0, std::string format = "table") {
  PartitionCommandOptions o = Options(std::move(workload), std::move(strategy), memsize,
                                      std::move(format));
  o.chips = chips;
  return o;
}

// Rows of a FormatSummaryTable: lines after the header row, before the totals.
int TableRows(const std::string& table) {
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  int rows = 0;
  bool in_rows = false;
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "wake")) {
      in_rows = true;
    } else if (absl::StartsWith(line, "inter-chip words")) {
      in_rows = false;
    } else if (in_rows) {
      ++rows;
    }
  }
  return rows;
}

TEST(PartitionCommandTest, PaperMnistEightChips) {
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Sized("mnist", "paper", 8)));
  EXPECT_EQ(TableRows(table), 8) << table;
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kMnist));
  EXPECT_THAT(table, HasSubstr(absl::StrCat(graph.weight_bytes(), " weight bytes"))) << table;
  // --chips defaults to 8 for paper.
  EXPECT_THAT(RunPartitionCommand(Sized("mnist", "paper", 0)), IsOkAndHolds(table));

  ASSERT_OK_AND_ASSIGN(std::string json,
                       RunPartitionCommand(Sized("mnist", "paper", 8, 0, "json")));
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << json;
  EXPECT_EQ(j["summary"]["chips"], 8);
  ASSERT_TRUE(j["summary"]["per_chip"].is_array());
  EXPECT_EQ(j["summary"]["per_chip"].size(), 8u);
  EXPECT_EQ(j["summary"]["weight_bytes"], graph.weight_bytes());
}

TEST(PartitionCommandTest, PaperD2nnNonVolatile) {
  PartitionCommandOptions o = Sized("d2nn", "paper", 8);
  o.d2nn_nv = true;
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(o));
  EXPECT_THAT(table, HasSubstr("00 "));  // chip 0's second wake-up
  o.chips = 4;
  EXPECT_THAT(RunPartitionCommand(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("d2nn_nv")));
  o = Sized("d2nn", "greedy", 4);
  o.d2nn_nv = true;
  EXPECT_THAT(RunPartitionCommand(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("--d2nn_nv")));
  EXPECT_THAT(RunPartitionCommand(Sized("svhn", "paper", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PartitionCommandTest, GreedySvhnChipsFindsTheSmallestBudget) {
  ASSERT_OK_AND_ASSIGN(std::string json,
                       RunPartitionCommand(Sized("svhn", "greedy", 8, 0, "json")));
  const nlohmann::json j = nlohmann::json::parse(json);
  const int64_t budget = j["budget_search"]["memsize_bytes"];
  EXPECT_EQ(j["summary"]["memsize_bytes"].get<int64_t>(), budget);
  EXPECT_LE(j["summary"]["chips"].get<int>(), 8);
  EXPECT_EQ(j["summary"]["chips"], j["budget_search"]["chips"]);

  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(partitioner::Partition at,
                       partitioner::GreedyGraphPartition(graph, {budget}));
  EXPECT_LE(at.num_physical_chips(), 8);
  absl::StatusOr<partitioner::Partition> below =
      partitioner::GreedyGraphPartition(graph, {budget - 1});
  if (below.ok()) {
    EXPECT_GT(below->num_physical_chips(), 8);
  } else {
    EXPECT_THAT(below, StatusIs(absl::StatusCode::kResourceExhausted));
  }

  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Sized("svhn", "greedy", 8)));
  EXPECT_THAT(table, HasSubstr(absl::StrCat("--chips=8: budget ", budget, " bytes")));
  EXPECT_THAT(table, HasSubstr(absl::StrCat("budget ", budget, " bytes, ")));
}

TEST(PartitionCommandTest, GreedyMemsizeIsFractionalMib) {
  // 0.5 MiB = 524288 bytes.
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Sized("kws_lstm", "greedy", 0, 0.5)));
  EXPECT_THAT(table, HasSubstr("budget 524288 bytes"));
}

TEST(PartitionCommandTest, IdealD2nnIsOneChip) {
  ASSERT_OK_AND_ASSIGN(std::string table, RunPartitionCommand(Sized("d2nn", "ideal", 0)));
  EXPECT_THAT(table, HasSubstr(": 1 chip, budget unlimited"));
  EXPECT_EQ(TableRows(table), 1);
  EXPECT_OK(RunPartitionCommand(Sized("d2nn", "ideal", 1)).status());
  EXPECT_THAT(RunPartitionCommand(Sized("d2nn", "ideal", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contradicts")));
  EXPECT_THAT(RunPartitionCommand(Sized("d2nn", "ideal", 0, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--memsize_mib")));
}

TEST(PartitionCommandTest, PaperWorkloadErrors) {
  EXPECT_THAT(RunPartitionCommand(Sized("mnistt", "paper", 8)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown --workload 'mnistt'")));
  EXPECT_THAT(RunPartitionCommand(Sized("mnist", "paper", 0, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contradicts")));
  EXPECT_THAT(RunPartitionCommand(Sized("svhn", "greedy", 4, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--chips=4 contradicts --memsize_mib=1")));
  EXPECT_THAT(RunPartitionCommand(Sized("svhn", "greedy", 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("--memsize_mib"), HasSubstr("--chips"))));
  EXPECT_THAT(RunPartitionCommand(Sized("svhn", "greedy", 0, 0.0001)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("chip budget is")));
  EXPECT_THAT(RunPartitionCommand(Sized("mnist", "paper", 8, 0, "paper-csv")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("paper-csv")));
}

}  // namespace
}  // namespace illusion::clients
