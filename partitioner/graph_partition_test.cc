// Property tests of the greedy and ideal strategies over the four nn
// workloads: over random budgets and seeded random weights and inputs, the
// partitioned run (words only, chip by chip) equals the unpartitioned golden
// run bit for bit, every slice fits its budget, and budgets below the largest
// indivisible unit are refused naming the op, its size and the budget.

#include "partitioner/graph_partition.h"

#include <random>
#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_executor.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using nn::Workload;

// Seeded host inputs of a graph (int8/int16 values in a moderate range).
nn::TensorMap SeededInputs(const nn::Graph& graph, uint64_t seed) {
  nn::TensorMap inputs;
  for (const nn::TensorSpec& spec : graph.inputs()) {
    inputs.emplace(spec.name, nn::SeededTensor(spec, seed++, -100, 100));
  }
  return inputs;
}

// The largest indivisible unit of any op: below it greedy must refuse.
int64_t LargestUnit(const nn::Graph& graph) {
  int64_t largest = 0;
  for (const auto& op : graph.ops()) {
    const nn::Range all_out = op->all_outputs();
    int64_t unit = 0;
    if (SplitsByOutput(*op)) {
      unit = op->WeightBytes({0, 1}, op->all_inputs()) + op->BiasBytes({0, 1});
    } else {
      unit = std::max(op->WeightBytes(all_out, {0, 1}), op->BiasBytes(all_out));
    }
    largest = std::max(largest, unit);
  }
  return largest;
}

class GraphPartitionTest : public ::testing::TestWithParam<Workload> {};

TEST_P(GraphPartitionTest, GreedyEqualsGoldenOverRandomBudgets) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(GetParam()));
  const int64_t total = graph.weight_bytes();
  const int64_t smallest = LargestUnit(graph);
  std::mt19937_64 rng(1234 + static_cast<int>(GetParam()));
  int multi_chip = 0;
  for (int trial = 0; trial < 12; ++trial) {
    const uint64_t seed = rng();
    const nn::WeightMap weights = nn::SeededWeights(graph, seed);
    const nn::TensorMap inputs = SeededInputs(graph, seed ^ 0x5eed);
    ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, inputs));
    std::uniform_int_distribution<int64_t> budget_of(smallest, total + total / 8);
    const int64_t budget = trial == 0 ? smallest : budget_of(rng);
    SCOPED_TRACE(absl::StrCat(graph.name(), " budget ", budget, " seed ", seed));
    ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {budget}));
    EXPECT_GE(p.chips.size(), static_cast<size_t>((total + budget - 1) / budget));
    for (const ChipSlice& c : p.chips) EXPECT_LE(c.weight_bytes, budget) << "chip " << c.label;
    EXPECT_EQ(p.total_weight_bytes(), total);
    if (p.chips.size() > 1) ++multi_chip;
    ASSERT_OK_AND_ASSIGN(PartitionRun run, ExecutePartition(p, graph, weights, inputs));
    for (const std::string& out : graph.outputs()) {
      auto want = golden.find(out);
      if (want == golden.end()) continue;  // not produced on this path
      auto got = run.host.find(out);
      ASSERT_NE(got, run.host.end()) << out;
      EXPECT_TRUE(got->second.SameValues(want->second))
          << out << ": " << nn::FirstDifference(got->second, want->second);
    }
  }
  EXPECT_GE(multi_chip, 10);
}

TEST_P(GraphPartitionTest, IdealIsOneChipAndEqualsGolden) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(GetParam()));
  const nn::WeightMap weights = nn::SeededWeights(graph, 7);
  const nn::TensorMap inputs = SeededInputs(graph, 8);
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, inputs));
  ASSERT_OK_AND_ASSIGN(Partition p, IdealGraphPartition(graph));
  ASSERT_EQ(p.chips.size(), 1u);
  EXPECT_EQ(p.chips[0].weight_bytes, graph.weight_bytes());
  ASSERT_OK_AND_ASSIGN(PartitionRun run, ExecutePartition(p, graph, weights, inputs));
  ASSERT_EQ(run.chips.size(), 1u);
  EXPECT_EQ(run.class_id, golden.at(nn::kClassTensor).at(0));
}

TEST_P(GraphPartitionTest, BudgetBelowLargestUnitIsRefusedNamingOpAndSizes) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(GetParam()));
  const int64_t budget = LargestUnit(graph) - 1;
  EXPECT_THAT(GreedyGraphPartition(graph, {budget}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("op '"), HasSubstr(" bytes for "),
                             HasSubstr(absl::StrCat("chip budget is ", budget, " bytes")))));
}

INSTANTIATE_TEST_SUITE_P(Workloads, GraphPartitionTest,
                         ::testing::Values(Workload::kMnist, Workload::kSvhn, Workload::kD2nn,
                                           Workload::kKwsLstm),
                         [](const auto& info) { return std::string(nn::WorkloadName(info.param)); });

TEST(GraphPartitionTest, NonPositiveBudgetIsInvalid) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(Workload::kMnist));
  EXPECT_THAT(GreedyGraphPartition(graph, {0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("memsize_bytes")));
}

TEST(GraphPartitionTest, SplitsUseBothDirectionsAndChainPartialSums) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {4096}));
  int psum_parts = 0, finishes = 0, output_parts = 0;
  for (const ChipSlice& c : p.chips) {
    for (const ChipStep& s : c.steps) {
      psum_parts += s.kind == StepKind::kPartialSums;
      finishes += s.kind == StepKind::kFinishPartialSums;
      output_parts += s.kind == StepKind::kOutputRange && s.out.size() < graph.FindOp(s.op)->output_units();
    }
  }
  EXPECT_GT(psum_parts, 1);
  EXPECT_GE(finishes, 1);
  EXPECT_GT(output_parts, 1);
  // Every message goes forward in execution order (or to the host).
  for (const MessagePlan& m : p.messages) {
    if (m.destination != kHost) {
      EXPECT_LT(m.source, m.destination) << "message " << m.order;
    }
    EXPECT_GT(m.max_words(), 0) << "message " << m.order;
  }
}

}  // namespace
}  // namespace illusion::partitioner
