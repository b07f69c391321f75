// The scaled-out CNNs as nn graphs (nn/scaled_out_workloads.h) against their
// LayerDesc tables (scaled_out_layers.h), and GreedyGraphPartition on them:
// every slice fits, chip counts next to the LayerDesc greedy result, and the
// partitioned run of reduced-size variants equals the golden run bit-exactly.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/scaled_out_workloads.h"
#include "nn/weights.h"
#include "partitioner/graph_partition.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/partition_executor.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::partitioner {
namespace {

using nn::ScaledOutNet;

constexpr int64_t kMiB = int64_t{1} << 20;

class ScaledOutGraphTest : public ::testing::TestWithParam<ScaledOutNet> {};

// Every LayerDesc layer is an op of the same name with the same weight count
// (int8: bytes == count) and MACs; the graph adds biases and weightless ops.
TEST_P(ScaledOutGraphTest, PerLayerWeightsAndMacsEqualTheLayerTable) {
  const std::string name(nn::ScaledOutNetName(GetParam()));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildScaledOutGraph(GetParam()));
  ASSERT_OK_AND_ASSIGN(std::vector<LayerDesc> layers, ScaledOutNetPart(name));
  int64_t table_weights = 0;
  int64_t biases = 0;
  for (const LayerDesc& layer : layers) {
    SCOPED_TRACE(layer.name);
    const nn::Op* op = graph.FindOp(layer.name);
    ASSERT_NE(op, nullptr);
    const int64_t weights = op->WeightBytes(op->all_outputs(), op->all_inputs());
    biases += op->BiasBytes(op->all_outputs());
    if (layer.name == "conv2_2_a" || layer.name == "conv2_3_a") {
      // Documented difference: upstream's table reads 64 channels; the real
      // block input has 256.
      EXPECT_EQ(layer.weight_count, 64 * 64);
      EXPECT_EQ(weights, 256 * 64);
      EXPECT_EQ(op->macs(), layer.macs * 4);
      table_weights += weights;
      continue;
    }
    EXPECT_EQ(weights, layer.weight_count);
    EXPECT_EQ(op->macs(), layer.macs);
    table_weights += layer.weight_count;
  }
  // Ops with weights are exactly the table's layers.
  int weighted_ops = 0;
  for (const auto& op : graph.ops()) weighted_ops += op->weights().empty() ? 0 : 1;
  EXPECT_EQ(weighted_ops, static_cast<int>(layers.size()));
  EXPECT_EQ(graph.weight_bytes(), table_weights + biases);
}

INSTANTIATE_TEST_SUITE_P(Nets, ScaledOutGraphTest,
                         ::testing::Values(ScaledOutNet::kAlexNet, ScaledOutNet::kVgg16,
                                           ScaledOutNet::kResNet50),
                         [](const auto& info) {
                           return std::string(nn::ScaledOutNetName(info.param));
                         });

struct GreedyCase {
  ScaledOutNet net;
  double memsize_mib;
};

class ScaledOutGreedyTest : public ::testing::TestWithParam<GreedyCase> {};

// Greedy over the graph (int8 weights + biases) fits every slice; its chip
// count is reported next to the LayerDesc greedy at 2 bytes per weight (the
// paper's count) and at 1 byte per weight (like for like, biases aside).
TEST_P(ScaledOutGreedyTest, GreedyFitsEverySliceAndTracksTheLayerTable) {
  const GreedyCase c = GetParam();
  const std::string name(nn::ScaledOutNetName(c.net));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildScaledOutGraph(c.net));
  const int64_t budget = static_cast<int64_t>(c.memsize_mib * kMiB);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {budget}));
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start).count();
  for (const ChipSlice& chip : p.chips) {
    EXPECT_LE(chip.weight_bytes, budget) << "chip " << chip.label;
    EXPECT_FALSE(chip.steps.empty()) << "chip " << chip.label;
  }
  EXPECT_EQ(p.total_weight_bytes(), graph.weight_bytes());
  EXPECT_GE(static_cast<int64_t>(p.chips.size()),
            (graph.weight_bytes() + budget - 1) / budget);
  EXPECT_FALSE(p.messages.empty());

  ASSERT_OK_AND_ASSIGN(std::vector<LayerDesc> layers, ScaledOutNetPart(name));
  GreedyOptions paper;
  paper.memsize_bytes = budget;
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan16, GreedyPartition(layers, paper));
  GreedyOptions int8 = paper;
  int8.bytes_per_weight = 1;
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan8, GreedyPartition(layers, int8));
  // Biases (and ResNet's two wider conv2_x_a) add at most one chip here.
  EXPECT_GE(static_cast<int>(p.chips.size()), plan8.num_chips);
  EXPECT_LE(static_cast<int>(p.chips.size()), plan8.num_chips + 1);
  EXPECT_LT(static_cast<int>(p.chips.size()), plan16.num_chips);
  std::cout << name << " @ " << c.memsize_mib << " MiB: graph greedy " << p.chips.size()
            << " chips (" << p.messages.size() << " messages, " << ms
            << " ms); LayerDesc greedy 16-bit " << plan16.num_chips << ", 8-bit "
            << plan8.num_chips << " chips\n";
}

INSTANTIATE_TEST_SUITE_P(Budgets, ScaledOutGreedyTest,
                         ::testing::Values(GreedyCase{ScaledOutNet::kResNet50, 6},
                                           GreedyCase{ScaledOutNet::kResNet50, 1},
                                           GreedyCase{ScaledOutNet::kAlexNet, 16},
                                           GreedyCase{ScaledOutNet::kAlexNet, 2},
                                           GreedyCase{ScaledOutNet::kVgg16, 16}));

nn::TensorMap SeededInputs(const nn::Graph& graph, uint64_t seed) {
  nn::TensorMap inputs;
  for (const nn::TensorSpec& spec : graph.inputs()) {
    inputs.emplace(spec.name, nn::SeededTensor(spec, seed++, -100, 100));
  }
  return inputs;
}

struct ReducedCase {
  ScaledOutNet net;
  int channel_divisor;
};

class ScaledOutReducedTest : public ::testing::TestWithParam<ReducedCase> {};

// Reduced-channel variants partitioned at budgets from 1/12 to 1/2 of their
// weights run bit-exactly like the unpartitioned graph.
TEST_P(ScaledOutReducedTest, GreedyPartitionEqualsGolden) {
  const ReducedCase c = GetParam();
  ASSERT_OK_AND_ASSIGN(nn::Graph graph,
                       nn::BuildScaledOutGraph(c.net, {c.channel_divisor}));
  const nn::WeightMap weights = nn::SeededWeights(graph, 11);
  const nn::TensorMap inputs = SeededInputs(graph, 12);
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, inputs));
  for (int parts : {12, 5, 2}) {
    const int64_t budget = graph.weight_bytes() / parts;
    SCOPED_TRACE(absl::StrCat(graph.name(), " budget ", budget));
    ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {budget}));
    EXPECT_GE(static_cast<int>(p.chips.size()), parts);
    ASSERT_OK_AND_ASSIGN(PartitionRun run, ExecutePartition(p, graph, weights, inputs));
    for (const std::string& out : graph.outputs()) {
      auto got = run.host.find(out);
      ASSERT_NE(got, run.host.end()) << out;
      EXPECT_TRUE(got->second.SameValues(golden.at(out)))
          << out << ": " << nn::FirstDifference(got->second, golden.at(out));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Nets, ScaledOutReducedTest,
                         ::testing::Values(ReducedCase{ScaledOutNet::kResNet50, 8},
                                           ReducedCase{ScaledOutNet::kAlexNet, 8},
                                           ReducedCase{ScaledOutNet::kVgg16, 16}),
                         [](const auto& info) {
                           return std::string(nn::ScaledOutNetName(info.param.net));
                         });

// The full-size nets at a paper memsize, run chip by chip, equal the
// unpartitioned graph bit-exactly.
class ScaledOutFullTest : public ::testing::TestWithParam<GreedyCase> {};

TEST_P(ScaledOutFullTest, GreedyPartitionEqualsGolden) {
  const GreedyCase c = GetParam();
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildScaledOutGraph(c.net));
  const nn::WeightMap weights = nn::SeededWeights(graph, 21);
  const nn::TensorMap inputs = SeededInputs(graph, 22);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, inputs));
  const auto mid = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(
                                        graph, {static_cast<int64_t>(c.memsize_mib * kMiB)}));
  ASSERT_OK_AND_ASSIGN(PartitionRun run, ExecutePartition(p, graph, weights, inputs));
  const auto end = std::chrono::steady_clock::now();
  for (const std::string& out : graph.outputs()) {
    auto got = run.host.find(out);
    ASSERT_NE(got, run.host.end()) << out;
    EXPECT_TRUE(got->second.SameValues(golden.at(out)))
        << out << ": " << nn::FirstDifference(got->second, golden.at(out));
  }
  std::cout << graph.name() << " full: golden "
            << std::chrono::duration<double>(mid - start).count() << " s, " << p.chips.size()
            << "-chip partitioned run " << std::chrono::duration<double>(end - mid).count()
            << " s\n";
}

INSTANTIATE_TEST_SUITE_P(Nets, ScaledOutFullTest,
                         ::testing::Values(GreedyCase{ScaledOutNet::kResNet50, 6},
                                           GreedyCase{ScaledOutNet::kAlexNet, 16},
                                           GreedyCase{ScaledOutNet::kVgg16, 16}),
                         [](const auto& info) {
                           return std::string(nn::ScaledOutNetName(info.param.net));
                         });

// The LSTM LM graph against both LayerDesc net parts: same weights (the
// embedding as resident bytes), MACs per word (tables: batch 32 / 4).
TEST(ScaledOutLstmLmTest, PerLayerWeightsAndMacsEqualTheLayerTables) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildLstmLmGraph());
  int64_t table_weights = 0;
  int64_t biases = 0;
  for (const char* part : {"lstm_langmod", "lstm_langmod_1"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<LayerDesc> layers, ScaledOutNetPart(part));
    for (const LayerDesc& layer : layers) {
      SCOPED_TRACE(layer.name);
      const nn::Op* op = graph.FindOp(layer.name);
      ASSERT_NE(op, nullptr);
      EXPECT_EQ(op->WeightBytes(op->all_outputs(), op->all_inputs()),
                layer.resident_weight_count);
      biases += op->BiasBytes(op->all_outputs());
      table_weights += layer.resident_weight_count;
      if (layer.name == "embed1") {
        EXPECT_EQ(op->macs(), 0);  // a lookup
      } else {
        EXPECT_EQ(op->macs() * layer.batch, layer.macs);
      }
    }
  }
  EXPECT_EQ(graph.weight_bytes(), table_weights + biases);
}

TEST(ScaledOutLstmLmTest, GreedyFitsEverySliceAndTracksTheLayerTables) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildLstmLmGraph());
  for (double mib : {32.0, 4.0}) {
    const int64_t budget = static_cast<int64_t>(mib * kMiB);
    ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {budget}));
    for (const ChipSlice& chip : p.chips) EXPECT_LE(chip.weight_bytes, budget);
    EXPECT_EQ(p.total_weight_bytes(), graph.weight_bytes());
    int table16 = 0;
    int table8 = 0;
    for (const char* part : {"lstm_langmod", "lstm_langmod_1"}) {
      ASSERT_OK_AND_ASSIGN(std::vector<LayerDesc> layers, ScaledOutNetPart(part));
      GreedyOptions o;
      o.memsize_bytes = budget;
      ASSERT_OK_AND_ASSIGN(GreedyPlan plan16, GreedyPartition(layers, o));
      o.bytes_per_weight = 1;
      ASSERT_OK_AND_ASSIGN(GreedyPlan plan8, GreedyPartition(layers, o));
      table16 += plan16.num_chips;
      table8 += plan8.num_chips;
    }
    // One system instead of two (at most one chip fewer); the embedding splits
    // by dimension in units of `vocabulary` bytes (the table: by 1 KiB words),
    // which wastes up to a unit per chip: within 5 % (241 vs 231 at 4 MiB).
    EXPECT_GE(static_cast<int>(p.chips.size()), table8 - 1);
    EXPECT_LE(static_cast<int>(p.chips.size()), table8 * 105 / 100 + 1);
    std::cout << "lstm_lm @ " << mib << " MiB: graph greedy " << p.chips.size() << " chips ("
              << p.messages.size() << " messages); LayerDesc greedy (two parts) 16-bit "
              << table16 << ", 8-bit " << table8 << " chips\n";
  }
}

TEST(ScaledOutLstmLmTest, ReducedGreedyPartitionEqualsGolden) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildLstmLmGraph({3000, 64, 256, 64}));
  const nn::WeightMap weights = nn::SeededWeights(graph, 31);
  nn::TensorMap inputs;
  for (const nn::TensorSpec& spec : graph.inputs()) {
    inputs.emplace(spec.name, nn::SeededTensor(spec, 32, -60, 60));
  }
  inputs.at("word") = nn::Tensor::FromValues(nn::DType::kInt32, {1}, {2345});
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(graph, weights, inputs));
  for (int parts : {20, 7, 2}) {
    const int64_t budget = graph.weight_bytes() / parts;
    SCOPED_TRACE(absl::StrCat("budget ", budget));
    ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {budget}));
    ASSERT_OK_AND_ASSIGN(PartitionRun run, ExecutePartition(p, graph, weights, inputs));
    for (const std::string& out : graph.outputs()) {
      auto got = run.host.find(out);
      ASSERT_NE(got, run.host.end()) << out;
      EXPECT_TRUE(got->second.SameValues(golden.at(out)))
          << out << ": " << nn::FirstDifference(got->second, golden.at(out));
    }
  }
}

}  // namespace
}  // namespace illusion::partitioner
