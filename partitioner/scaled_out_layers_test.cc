#include "partitioner/scaled_out_layers.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "partitioner/layer_desc.h"
#include "partitioner/testing/reference_csv.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::IsOk;
using ::illusion::common::StatusIs;
using ::illusion::partitioner::testing::CsvRecord;
using ::illusion::partitioner::testing::ReferenceDataTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<LayerDesc> NetPart(absl::string_view name) {
  absl::StatusOr<std::vector<LayerDesc>> layers = ScaledOutNetPart(name);
  EXPECT_THAT(layers, IsOk());
  return layers.ok() ? *layers : std::vector<LayerDesc>{};
}

const LayerDesc* FindLayer(const std::vector<LayerDesc>& layers,
                           absl::string_view name) {
  for (const LayerDesc& layer : layers) {
    if (layer.name == name) return &layer;
  }
  return nullptr;
}

TEST(ScaledOutLayersTest, EveryNetPartValidates) {
  for (const char* name : ScaledOutNetPartNames()) {
    for (const LayerDesc& layer : NetPart(name)) {
      EXPECT_THAT(ValidateLayerDesc(layer), IsOk()) << name;
    }
  }
}

TEST(ScaledOutLayersTest, AliasesGiveTheSameLayers) {
  EXPECT_EQ(NetPart("alexnet").size(), NetPart("alex_net").size());
  EXPECT_EQ(NetPart("vgg16").size(), NetPart("vgg_net").size());
  EXPECT_EQ(NetPart("ResNet-50").size(), 50u);
}

TEST(ScaledOutLayersTest, LstmWorkloadIsTwoNetParts) {
  EXPECT_THAT(ScaledOutNetPart("lstm_lm"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lstm_langmod and lstm_langmod_1")));
  absl::StatusOr<std::vector<std::string>> parts =
      ScaledOutWorkloadNetParts("lstm_lm");
  ASSERT_THAT(parts, IsOk());
  EXPECT_THAT(*parts, ElementsAre("lstm_langmod", "lstm_langmod_1"));
  parts = ScaledOutWorkloadNetParts("LSTM LangMod");
  ASSERT_THAT(parts, IsOk());
  EXPECT_THAT(*parts, ElementsAre("lstm_langmod", "lstm_langmod_1"));
  parts = ScaledOutWorkloadNetParts("vgg16");
  ASSERT_THAT(parts, IsOk());
  EXPECT_THAT(*parts, ElementsAre("vgg_net"));
}

TEST(ScaledOutLayersTest, RejectsUnknownNames) {
  EXPECT_THAT(ScaledOutNetPart("googlenet"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown net part 'googlenet'")));
  EXPECT_THAT(ScaledOutWorkloadNetParts("googlenet"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown workload 'googlenet'")));
}

TEST(ScaledOutLayersTest, ResNetSkipTensorsSpanOneBlock) {
  const std::vector<LayerDesc> layers = NetPart("resnet50");
  int consumers = 0;
  for (const LayerDesc& layer : layers)
    consumers += !layer.residual_inputs.empty();
  EXPECT_EQ(consumers, 16);  // 15 `a` layers after conv2_1_a, plus fc1.
  EXPECT_THAT(FindLayer(layers, "conv2_1_a")->residual_inputs, IsEmpty());
  EXPECT_THAT(FindLayer(layers, "conv2_2_a")->residual_inputs,
              ElementsAre("conv1"));
  EXPECT_THAT(FindLayer(layers, "conv3_1_a")->residual_inputs,
              ElementsAre("conv2_2_c"));
  EXPECT_THAT(FindLayer(layers, "fc1")->residual_inputs,
              ElementsAre("conv5_2_c"));
}

TEST(ScaledOutLayersTest, LstmPartsHaveTheSpecBatches) {
  const std::vector<LayerDesc> cell1 = NetPart("lstm_langmod");
  ASSERT_EQ(cell1.size(), 3u);
  EXPECT_EQ(cell1[0].kind, LayerKind::kEmbedding);
  EXPECT_EQ(cell1[0].resident_weight_count * 2, 1625026560);
  EXPECT_EQ(cell1[1].batch, 32);
  const std::vector<LayerDesc> cell2 = NetPart("lstm_langmod_1");
  ASSERT_EQ(cell2.size(), 2u);
  EXPECT_EQ(cell2[0].kind, LayerKind::kLstmGates);
  EXPECT_EQ(cell2[1].kind, LayerKind::kLstmProjection);
  EXPECT_EQ(cell2[1].batch, 4);
}

TEST(ScaledOutLayersTest, SweepHasFourteenPoints) {
  EXPECT_EQ(PaperSweepMemsizesMiB().size(), 14u);
  EXPECT_EQ(PaperSweepMemsizesMiB().front(), 0.25);
  EXPECT_EQ(PaperSweepMemsizesMiB().back(), 2048);
}

using ScaledOutLayersReferenceTest = ReferenceDataTest;

LayerKind ReferenceKind(const LayerDesc& layer) {
  // layers.csv only distinguishes CONV and FC; the special kinds are FC.
  return layer.kind == LayerKind::kConv ? LayerKind::kConv
                                        : LayerKind::kFullyConnected;
}

void ExpectLayerMatches(const LayerDesc& layer, const CsvRecord& row) {
  SCOPED_TRACE(layer.name);
  EXPECT_EQ(ReferenceKind(layer) == LayerKind::kConv ? "CONV" : "FC",
            row.Get("kind"));
  EXPECT_EQ(layer.nifm, row.GetInt("nifm_C"));
  EXPECT_EQ(layer.nofm, row.GetInt("nofm_M"));
  EXPECT_EQ(layer.ifmap_height, row.GetInt("sifm_H"));
  EXPECT_EQ(layer.ifmap_width, row.GetInt("sifm_H"));
  EXPECT_EQ(layer.ofmap_height, row.GetInt("sofm_E"));
  EXPECT_EQ(layer.kernel_height, row.GetInt("sfil_R"));
  EXPECT_EQ(layer.stride, row.GetInt("stride"));
  EXPECT_EQ(layer.batch, row.GetInt("batch_used"));
  EXPECT_EQ(layer.weight_count, row.GetInt("params"));
  EXPECT_EQ(layer.weight_count * 2, row.GetInt("weight_bytes_16b"));
  EXPECT_EQ(layer.resident_weight_count * 2,
            row.GetInt("partitioner_weight_bytes"));
  EXPECT_EQ(layer.ifmap_bytes, row.GetInt("ifmap_bytes_batch"));
  EXPECT_EQ(layer.ofmap_bytes, row.GetInt("ofmap_bytes_batch"));
  EXPECT_EQ(layer.macs, row.GetInt("MACs_batch"));
}

TEST_F(ScaledOutLayersReferenceTest, EveryLayerMatchesLayersCsv) {
  const testing::CsvTable table = LoadPaperSim("layers.csv");
  ASSERT_EQ(table.records.size(), 79u);
  absl::flat_hash_map<std::string, size_t> next_index;
  for (const CsvRecord& row : table.records) {
    const std::string& net_part = row.Get("net_part");
    const std::vector<LayerDesc> layers = NetPart(net_part);
    const size_t index = next_index[net_part]++;
    ASSERT_LT(index, layers.size()) << net_part;
    EXPECT_EQ(layers[index].name, row.Get("layer")) << "layer order";
    ExpectLayerMatches(layers[index], row);
  }
  for (const auto& [net_part, count] : next_index) {
    EXPECT_EQ(NetPart(net_part).size(), count) << net_part;
  }
}

TEST_F(ScaledOutLayersReferenceTest, NetPartTotalsMatchWorkloadTotals) {
  const testing::CsvTable table = LoadPaperSim("workload_totals.csv");
  ASSERT_EQ(table.records.size(), 5u);
  for (const CsvRecord& row : table.records) {
    const std::vector<LayerDesc> layers = NetPart(row.Get("net_part"));
    SCOPED_TRACE(row.Get("net_part"));
    ASSERT_FALSE(layers.empty());
    int64_t params = 0, resident = 0, macs = 0;
    for (const LayerDesc& layer : layers) {
      params += layer.weight_count;
      resident += layer.resident_weight_count;
      macs += layer.macs;
      EXPECT_EQ(layer.batch, row.GetInt("batch_used"));
    }
    EXPECT_EQ(static_cast<int64_t>(layers.size()), row.GetInt("n_layers"));
    EXPECT_EQ(params, row.GetInt("params"));
    EXPECT_EQ(params * 2, row.GetInt("weight_bytes_16b"));
    EXPECT_EQ(resident * 2, row.GetInt("partitioner_weight_bytes"));
    EXPECT_EQ(macs, row.GetInt("MACs_at_batch_used"));
    EXPECT_EQ(layers.front().ifmap_bytes,
              row.GetInt("first_layer_ifmap_bytes_batch"));
    EXPECT_EQ(layers.back().ofmap_bytes,
              row.GetInt("last_layer_ofmap_bytes_batch"));
  }
}

}  // namespace
}  // namespace illusion::partitioner
