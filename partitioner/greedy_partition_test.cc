#include "partitioner/greedy_partition.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/layer_desc.h"
#include "partitioner/message_passing.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

GreedyOptions MiB(double memsize_mib) {
  GreedyOptions options;
  options.memsize_mib = memsize_mib;
  return options;
}

GreedyOptions Bytes(int64_t memsize_bytes) {
  GreedyOptions options;
  options.memsize_bytes = memsize_bytes;
  return options;
}

GreedyPlan Partition(absl::string_view net_part, double memsize_mib) {
  absl::StatusOr<std::vector<LayerDesc>> layers = ScaledOutNetPart(net_part);
  EXPECT_THAT(layers, IsOk());
  if (!layers.ok()) return {};
  absl::StatusOr<GreedyPlan> plan = GreedyPartition(*layers, MiB(memsize_mib));
  EXPECT_THAT(plan, IsOk()) << net_part << " @ " << memsize_mib;
  return plan.ok() ? *std::move(plan) : GreedyPlan{};
}

// Parts of `layer` over all chips, as "chip:begin-end".
std::vector<std::string> PartsOf(const GreedyPlan& plan,
                                 absl::string_view layer) {
  std::vector<std::string> parts;
  for (const ChipPlan& chip : plan.chips) {
    for (const LayerPart& part : chip.parts) {
      if (part.layer_name == layer) {
        parts.push_back(absl::StrCat(chip.index, ":", part.channel_begin, "-",
                                     part.channel_end));
      }
    }
  }
  return parts;
}

TEST(GreedyPartitionTest, ResNet50At6MiBMatchesSpecBreakdown) {
  const GreedyPlan plan = Partition("resnet50", 6);
  EXPECT_EQ(plan.num_chips, 8);
  EXPECT_EQ(plan.messages.network_input, 314646);
  EXPECT_EQ(plan.messages.split_part_input, 490730);
  EXPECT_EQ(plan.messages.chip_output, 368560);
  EXPECT_EQ(plan.messages.residual_bypass, 2609152);
  EXPECT_EQ(plan.messages.total, 3783088);
  EXPECT_TRUE(plan.dummy_chips.empty());
}

TEST(GreedyPartitionTest, AlexNetAt16MiBSplitsFcLayersAsInSpec) {
  const GreedyPlan plan = Partition("alex_net", 16);
  EXPECT_EQ(plan.num_chips, 8);
  EXPECT_EQ(plan.messages.total, 421384);
  // fc1: 503 + 910 x 3 + 863 output channels; fc3: 434 + 3662 inputs.
  EXPECT_THAT(PartsOf(plan, "fc1"),
              ElementsAre("1:0-503", "2:503-1413", "3:1413-2323", "4:2323-3233",
                          "5:3233-4096"));
  EXPECT_THAT(PartsOf(plan, "fc3"), ElementsAre("7:0-434", "8:434-4096"));
  const LayerPart& fc3_part1 = plan.chips[6].parts[1];
  EXPECT_EQ(fc3_part1.name, "fc3_part_1_i");
  EXPECT_EQ(fc3_part1.split, SplitKind::kInput);
  EXPECT_EQ(fc3_part1.ifmap_bytes, 868);
  EXPECT_EQ(fc3_part1.ofmap_bytes, 2000);  // Full-size partial sums.
  EXPECT_EQ(plan.chips[1].resident_weight_bytes, 16773120);
}

TEST(GreedyPartitionTest, SpecTierAChipCountsAndMessageBytes) {
  struct Case {
    const char* net_part;
    double mib;
    int chips;
    int64_t bytes;
  };
  const Case kCases[] = {
      {"resnet50", 12, 4, 1935590},      {"resnet50", 32, 2, 859468},
      {"resnet50", 64, 1, 316646},       {"alex_net", 2, 60, 1743050},
      {"alex_net", 0.25, 481, 11646292}, {"vgg_net", 32, 9, 684178},
      {"vgg_net", 4, 67, 7539142},       {"vgg_net", 0.25, 1093, 123922636},
  };
  for (const Case& c : kCases) {
    const GreedyPlan plan = Partition(c.net_part, c.mib);
    EXPECT_EQ(plan.num_chips, c.chips) << c.net_part << " @ " << c.mib;
    EXPECT_EQ(plan.messages.total, c.bytes) << c.net_part << " @ " << c.mib;
  }
}

TEST(GreedyPartitionTest, LstmCellsMatchSpecTierA) {
  const GreedyPlan cell1 = Partition("lstm_langmod", 256);
  const GreedyPlan cell2 = Partition("lstm_langmod_1", 256);
  EXPECT_EQ(cell1.num_chips, 7);
  EXPECT_EQ(cell2.num_chips, 1);
  EXPECT_EQ(cell1.dummy_chips.size(), 1u);
  EXPECT_EQ(cell1.messages.total + cell2.messages.total, 222080);
  const GreedyPlan cell1_50 = Partition("lstm_langmod", 50);
  const GreedyPlan cell2_50 = Partition("lstm_langmod_1", 50);
  EXPECT_EQ(cell1_50.num_chips, 34);
  EXPECT_EQ(cell2_50.num_chips, 3);
  EXPECT_EQ(cell1_50.messages.total + cell2_50.messages.total, 864128);
}

TEST(GreedyPartitionTest, LstmEmbeddingTailWithoutRoomSkipsPartOne) {
  const GreedyPlan plan = Partition("lstm_langmod", 0.25);
  ASSERT_EQ(plan.num_chips, 6785);
  // 128 words per chip; the 6199th chip keeps 126 words and 4096 free bytes,
  // less than one 18,432 B slice, so act_1/proj_1 start at part 2.
  const ChipPlan& tail = plan.chips[6198];
  ASSERT_EQ(tail.parts.size(), 1u);
  EXPECT_EQ(tail.parts[0].name, "embed1_part_6199_i");
  EXPECT_EQ(tail.parts[0].channel_end - tail.parts[0].channel_begin, 126);
  EXPECT_EQ(plan.chips[6199].parts[0].name, "act_1_part_2_o");
  EXPECT_EQ(plan.chips[6199].parts[1].name, "proj_1_part_2_i");
  EXPECT_EQ(plan.chips.back().parts[0].name, "act_1_part_587_o");
  ASSERT_EQ(plan.dummy_chips.size(), 586u);
  EXPECT_EQ(ChipName(plan.dummy_chips.front()), "node_6200_dummy");
  EXPECT_EQ(plan.dummy_chips.front().parts[0].name, "conv_part_1");
  EXPECT_EQ(plan.dummy_chips.back().parts[0].name, "conv_part_586");
  // 8192 slices = 585 chips x 14 + 2.
  EXPECT_EQ(plan.dummy_chips.back().parts[0].channel_end -
                plan.dummy_chips.back().parts[0].channel_begin,
            2);
}

TEST(GreedyPartitionTest, LstmIdealFusesTheTwoCells) {
  std::vector<GreedyPlan> parts = {Partition("lstm_langmod", 2048),
                                   Partition("lstm_langmod_1", 2048)};
  EXPECT_EQ(WorkloadMessageBytes(parts), 90176);  // Before the hand edit.
  ASSERT_THAT(FuseSingleChipNetParts(absl::MakeSpan(parts)), IsOk());
  EXPECT_EQ(WorkloadMessageBytes(parts), 8256);
  std::vector<GreedyPlan> at_1024 = {Partition("lstm_langmod", 1024),
                                     Partition("lstm_langmod_1", 1024)};
  absl::StatusOr<bool> fused = FuseSingleChipNetParts(absl::MakeSpan(at_1024));
  ASSERT_THAT(fused, IsOk());
  EXPECT_FALSE(*fused);
  EXPECT_EQ(WorkloadMessageBytes(at_1024), 221440);
}

TEST(GreedyPartitionTest, SplitStartsInTheCurrentChip) {
  const std::vector<LayerDesc> layers = {
      MakeFullyConnectedLayer("fc_a", 10, 10),   // 200 B.
      MakeFullyConnectedLayer("fc_b", 10, 100),  // 2000 B, 20 B per output.
  };
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan, GreedyPartition(layers, Bytes(1000)));
  EXPECT_EQ(plan.num_chips, 3);
  EXPECT_THAT(PartsOf(plan, "fc_b"),
              ElementsAre("1:0-40", "2:40-90", "3:90-100"));
  EXPECT_EQ(plan.chips[0].resident_weight_bytes, 1000);
}

TEST(GreedyPartitionTest, NarrowLayerSplitsByInputChannels) {
  const std::vector<LayerDesc> layers = {
      MakeFullyConnectedLayer("fc", 100, 10)};  // 20 B per input channel.
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan, GreedyPartition(layers, Bytes(500)));
  EXPECT_EQ(plan.num_chips, 4);
  EXPECT_EQ(plan.chips[0].parts[0].name, "fc_part_1_i");
  EXPECT_EQ(plan.chips[0].parts[0].ifmap_bytes, 50);
  EXPECT_EQ(plan.chips[0].parts[0].ofmap_bytes, 20);
  // Every chip receives its 50 B input slice (no separate network input)
  // and sends 20 B of partial sums.
  EXPECT_EQ(plan.messages.network_input, 0);
  EXPECT_EQ(plan.messages.split_part_input, 200);
  EXPECT_EQ(plan.messages.chip_output, 80);
}

TEST(GreedyPartitionTest, LayersWithoutWeightsStayOnTheCurrentChip) {
  LayerDesc pool = MakeConvLayer("pool", 4, 4, 2, 2, 2);
  pool.kind = LayerKind::kPool;
  FillDerivedFields(pool);
  const std::vector<LayerDesc> layers = {MakeConvLayer("conv", 4, 4, 4, 1),
                                         pool};
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan, GreedyPartition(layers, Bytes(32)));
  EXPECT_EQ(plan.num_chips, 1);
  EXPECT_EQ(plan.chips[0].parts.size(), 2u);
  EXPECT_EQ(plan.chips[0].parts[1].weight_bytes, 0);
}

TEST(GreedyPartitionTest, BytesPerWeightScalesTheBudgetUse) {
  const std::vector<LayerDesc> layers = {MakeFullyConnectedLayer("fc", 8, 8)};
  GreedyOptions options = Bytes(64);
  options.bytes_per_weight = 1;
  ASSERT_OK_AND_ASSIGN(GreedyPlan plan, GreedyPartition(layers, options));
  EXPECT_EQ(plan.num_chips, 1);
  options.bytes_per_weight = 4;
  ASSERT_OK_AND_ASSIGN(plan, GreedyPartition(layers, options));
  EXPECT_EQ(plan.num_chips, 4);
}

TEST(GreedyPartitionTest, RejectsBudgetBelowOneOutputChannel) {
  const std::vector<LayerDesc> layers = {
      MakeFullyConnectedLayer("fc6", 4096, 4096)};  // 8192 B per output.
  EXPECT_THAT(GreedyPartition(layers, Bytes(4096)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "layer 'fc6' needs 8192 bytes for one output channel; "
                       "chip budget is 4096 bytes"));
}

TEST(GreedyPartitionTest, RejectsBudgetBelowOneInputChannel) {
  const std::vector<LayerDesc> layers = {
      MakeFullyConnectedLayer("fc3", 4096, 1000)};
  EXPECT_THAT(GreedyPartition(layers, Bytes(1999)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "layer 'fc3' needs 2000 bytes for one input channel; "
                       "chip budget is 1999 bytes"));
}

TEST(GreedyPartitionTest, RejectsBudgetBelowOneWordOrLstmSlice) {
  absl::StatusOr<std::vector<LayerDesc>> cell1 =
      ScaledOutNetPart("lstm_langmod");
  ASSERT_THAT(cell1, IsOk());
  EXPECT_THAT(GreedyPartition(*cell1, Bytes(2047)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "layer 'embed1' needs 2048 bytes for one vocabulary "
                       "word; chip budget is 2047 bytes"));
  absl::StatusOr<std::vector<LayerDesc>> cell2 =
      ScaledOutNetPart("lstm_langmod_1");
  ASSERT_THAT(cell2, IsOk());
  EXPECT_THAT(GreedyPartition(*cell2, Bytes(16384)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "layer 'act_2' needs 18432 bytes for one lstm slice "
                       "(with 'output'); chip budget is 16384 bytes"));
}

TEST(GreedyPartitionTest, RejectsInvalidOptions) {
  const std::vector<LayerDesc> layers = {MakeFullyConnectedLayer("fc", 2, 2)};
  EXPECT_THAT(GreedyPartition(layers, GreedyOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("set exactly one of memsize_bytes (0)")));
  GreedyOptions both = Bytes(10);
  both.memsize_mib = 1;
  EXPECT_THAT(GreedyPartition(layers, both),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("set exactly one")));
  EXPECT_THAT(GreedyPartition(layers, Bytes(-5)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "memsize_bytes is -5; must be in [1, 2^50]"));
  EXPECT_THAT(GreedyPartition(layers, MiB(-0.5)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("memsize_mib is -0.5")));
  EXPECT_THAT(GreedyPartition(layers, MiB(1e300)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("memsize_mib is 1e+300")));
  GreedyOptions bad_weight = MiB(1);
  bad_weight.bytes_per_weight = 0;
  EXPECT_THAT(GreedyPartition(layers, bad_weight),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "bytes_per_weight is 0; must be positive"));
}

TEST(GreedyPartitionTest, ResolvesMiBToWholeBytes) {
  EXPECT_THAT(ResolveMemsizeBytes(MiB(0.25)), IsOk());
  EXPECT_EQ(*ResolveMemsizeBytes(MiB(0.25)), 262144);
  EXPECT_EQ(*ResolveMemsizeBytes(MiB(0.1)), 104857);
  EXPECT_EQ(*ResolveMemsizeBytes(Bytes(7)), 7);
}

TEST(GreedyPartitionTest, RejectsInvalidLayerLists) {
  EXPECT_THAT(
      GreedyPartition({}, MiB(1)),
      StatusIs(absl::StatusCode::kInvalidArgument, "layer list is empty"));
  const LayerDesc fc = MakeFullyConnectedLayer("fc", 2, 2);
  EXPECT_THAT(GreedyPartition({fc, fc}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "duplicate layer name 'fc'"));
  LayerDesc skip = MakeFullyConnectedLayer("skip", 2, 2);
  skip.residual_inputs = {"later"};
  EXPECT_THAT(GreedyPartition({fc, skip}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "layer 'skip': residual input 'later' is not an "
                       "earlier layer"));
  LayerDesc stale = fc;
  stale.nofm = 3;  // Derived fields not refreshed.
  EXPECT_THAT(GreedyPartition({stale}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("layer 'fc': weight_count is 4")));
  const LayerDesc gates = MakeLstmGatesLayer("gates", 4, 12, 1);
  const LayerDesc proj = MakeLstmProjectionLayer("proj", 8, 2, 1);
  EXPECT_THAT(GreedyPartition({gates, fc}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be directly followed by its lstm")));
  EXPECT_THAT(GreedyPartition({fc, proj}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must directly follow an lstm gates")));
  EXPECT_THAT(GreedyPartition({gates, proj}, MiB(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("12 gate rows, not a multiple of the 8")));
}

}  // namespace
}  // namespace illusion::partitioner
