#include "partitioner/message_passing.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

LayerPart Part(std::string layer, int index, SplitKind split, int64_t ifmap,
               int64_t ofmap, std::vector<std::string> residual = {}) {
  LayerPart part;
  part.layer_name = layer;
  part.name = index == 0 ? layer
                         : layer + "_part_" + std::to_string(index) + "_" +
                               SplitKindChar(split);
  part.part_index = index;
  part.split = split;
  part.ifmap_bytes = ifmap;
  part.ofmap_bytes = ofmap;
  part.residual_inputs = std::move(residual);
  return part;
}

ChipPlan Chip(int index, std::vector<LayerPart> parts) {
  ChipPlan chip;
  chip.index = index;
  chip.parts = std::move(parts);
  return chip;
}

TEST(MessagePassingTest, ProducerSplitAcrossChipsCountsFromItsFirstPart) {
  GreedyPlan plan;
  plan.chips.push_back(Chip(1, {Part("a", 0, SplitKind::kNone, 7, 10),
                                Part("p", 1, SplitKind::kOutput, 10, 30)}));
  plan.chips.push_back(
      Chip(2, {Part("p", 2, SplitKind::kOutput, 10, 70),
               Part("c", 0, SplitKind::kNone, 100, 5, {"p"})}));
  const MessageBreakdown m = ComputeMessageBreakdown(plan);
  EXPECT_EQ(m.network_input, 7);
  EXPECT_EQ(m.split_part_input, 10);
  EXPECT_EQ(m.chip_output, 30 + 5);
  EXPECT_EQ(m.residual_bypass, 100);  // 30 + 70, although c shares chip 2.
  EXPECT_EQ(m.total, 7 + 10 + 35 + 100);
}

TEST(MessagePassingTest, EverySplitConsumerPartOnAnotherChipCounts) {
  GreedyPlan plan;
  plan.chips.push_back(
      Chip(1, {Part("p", 0, SplitKind::kNone, 1, 40),
               Part("c", 1, SplitKind::kInput, 20, 8, {"p"})}));
  plan.chips.push_back(
      Chip(2, {Part("c", 2, SplitKind::kInput, 20, 8, {"p"})}));
  plan.chips.push_back(
      Chip(3, {Part("c", 3, SplitKind::kInput, 20, 8, {"p"})}));
  const MessageBreakdown m = ComputeMessageBreakdown(plan);
  EXPECT_EQ(m.residual_bypass, 80);  // Parts 2 and 3; part 1 is local.
  EXPECT_EQ(m.split_part_input, 40);
  EXPECT_EQ(m.chip_output, 24);
}

TEST(MessagePassingTest, CsvListsDummyChipsAfterPhysicalChips) {
  absl::StatusOr<std::vector<LayerDesc>> layers =
      ScaledOutNetPart("lstm_langmod_1");
  ASSERT_THAT(layers, IsOk());
  GreedyOptions options;
  options.memsize_mib = 50;
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan, GreedyPartition(*layers, options));
  const std::vector<std::string> lines =
      absl::StrSplit(WriteMessagePassingCsv(plan), '\n');
  ASSERT_EQ(lines.size(), 1u + 6 + 3 + 1);  // Header, rows, trailing "".
  EXPECT_EQ(lines[0],
            "Node Name, Layer Name, Layer Number, ifmap, ofmap, fmap");
  // 2844 slices per 50 MiB chip: 4 x 2844 gate rows, batch 4.
  EXPECT_EQ(lines[1], "node_1,act_2_part_1_o,1,16384,91008,46596096");
  EXPECT_EQ(lines[2], "node_1,output_part_1_i,2,22752,8192,5824512");
  EXPECT_EQ(lines[6], "node_3,output_part_3_i,2,20032,8192,5128192");
  // Cell math FC(1, 4 x slices, 1) at batch 4.
  EXPECT_EQ(lines[7], "node_1_dummy,conv_part_1,1,8,91008,22752");
  EXPECT_EQ(lines[9], "node_3_dummy,conv_part_3,1,8,80128,20032");
  EXPECT_EQ(lines[10], "");
  EXPECT_EQ(plan.messages.total, 3 * 16384 + 3 * 8192);
}

TEST(MessagePassingTest, FuseLeavesMultiChipWorkloadsAlone) {
  GreedyPlan one;
  one.memsize_bytes = 100;
  one.chips.push_back(Chip(1, {Part("a", 0, SplitKind::kNone, 1, 2)}));
  std::vector<GreedyPlan> single = {one};
  absl::StatusOr<bool> fused = FuseSingleChipNetParts(absl::MakeSpan(single));
  ASSERT_THAT(fused, IsOk());
  EXPECT_FALSE(*fused);

  GreedyPlan two = one;
  two.chips.push_back(Chip(2, {Part("b", 0, SplitKind::kNone, 2, 3)}));
  std::vector<GreedyPlan> parts = {one, two};
  fused = FuseSingleChipNetParts(absl::MakeSpan(parts));
  ASSERT_THAT(fused, IsOk());
  EXPECT_FALSE(*fused);

  GreedyPlan heavy = one;
  heavy.resident_weight_bytes = 101;
  parts = {one, heavy};
  fused = FuseSingleChipNetParts(absl::MakeSpan(parts));
  ASSERT_THAT(fused, IsOk());
  EXPECT_FALSE(*fused);
}

TEST(MessagePassingTest, FuseZeroesTheInterPartTensors) {
  GreedyPlan first;
  first.memsize_bytes = 100;
  first.chips.push_back(Chip(1, {Part("a", 0, SplitKind::kNone, 1, 2)}));
  GreedyPlan second = first;
  second.chips[0].parts[0] = Part("b", 0, SplitKind::kNone, 2, 3);
  std::vector<GreedyPlan> parts = {first, second};
  absl::StatusOr<bool> fused = FuseSingleChipNetParts(absl::MakeSpan(parts));
  ASSERT_THAT(fused, IsOk());
  EXPECT_TRUE(*fused);
  EXPECT_EQ(parts[0].chips[0].parts[0].ofmap_bytes, 0);
  EXPECT_EQ(parts[1].chips[0].parts[0].ifmap_bytes, 0);
  EXPECT_EQ(WorkloadMessageBytes(parts), 1 + 3);
}

TEST(MessagePassingTest, FuseRejectsMixedMemsizes) {
  GreedyPlan a;
  a.memsize_bytes = 100;
  a.chips.push_back(Chip(1, {Part("a", 0, SplitKind::kNone, 1, 2)}));
  GreedyPlan b = a;
  b.memsize_bytes = 200;
  std::vector<GreedyPlan> parts = {a, b};
  EXPECT_THAT(FuseSingleChipNetParts(absl::MakeSpan(parts)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("different memsize_bytes: 100 and 200")));
}

TEST(MessagePassingTest, RowsNumberLayersPerChip) {
  GreedyPlan plan;
  plan.chips.push_back(Chip(1, {Part("a", 0, SplitKind::kNone, 1, 2),
                                Part("b", 1, SplitKind::kOutput, 2, 3)}));
  plan.chips.push_back(Chip(2, {Part("b", 2, SplitKind::kOutput, 2, 3)}));
  std::vector<std::string> names;
  std::vector<int> numbers;
  for (const MessageRow& row : MessagePassingRows(plan)) {
    names.push_back(row.node_name + "/" + row.layer_name);
    numbers.push_back(row.layer_number);
  }
  EXPECT_THAT(
      names, ElementsAre("node_1/a", "node_1/b_part_1_o", "node_2/b_part_2_o"));
  EXPECT_THAT(numbers, ElementsAre(1, 2, 1));
}

}  // namespace
}  // namespace illusion::partitioner
