// The analytic model's ideal-chip (2048 MiB) totals against the paper's
// simulated ideal chips (spec §5.1 table, from ideal_chip_per_layer.csv).

#include "coordinator/scaled_out/accel_rram_28nm_model.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "coordinator/scaled_out/analytic_pipeline.h"
#include "coordinator/scaled_out/csv_table.h"
#include "coordinator/scaled_out/workload_plans.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "partitioner/scaled_out_layers.h"
#include "tests/testing/reference_data.h"

namespace illusion::coordinator::scaled_out {
namespace {

using ::illusion::common::StatusIs;

TEST(AccelRram28nmModelTest, AlexNetConv1PadsOverTheTileGrid) {
  absl::StatusOr<std::vector<NetPartPlan>> plans =
      PartitionWorkload("AlexNet", 2048);
  ASSERT_TRUE(plans.ok()) << plans.status();
  const partitioner::GreedyPlan& plan = plans->front().plan;
  absl::StatusOr<LayerPartCost> cost =
      CostLayerPart(plan.chips[0].parts[0], plans->front().layers[0], 2,
                    AccelModelConstants());
  ASSERT_TRUE(cost.ok()) << cost.status();
  // nn_dataflow's ops for conv1: 16 x 14x14 x 121 x 96 x 3 (spec §7.2).
  EXPECT_DOUBLE_EQ(cost->padded_macs, 16.0 * 14 * 14 * 121 * 96 * 3);
}

// A batch-1 FC part of `outputs` output channels of AlexNet layer `name`.
partitioner::LayerPart FcOutputPart(const partitioner::LayerDesc& layer,
                                    int64_t outputs) {
  partitioner::LayerPart part;
  part.name = layer.name + "_part_1_o";
  part.layer_name = layer.name;
  part.kind = layer.kind;
  part.part_index = 1;
  part.split = partitioner::SplitKind::kOutput;
  part.channel_end = outputs;
  part.weight_bytes = layer.nifm * layer.kernel_height * layer.kernel_width *
                      outputs * 2;
  part.ifmap_bytes = layer.nifm * layer.ifmap_height * layer.ifmap_width * 2;
  part.ofmap_bytes = outputs * 2;
  return part;
}

// Single-sample FC parts: at least 256 padded outputs (16 tiles x 16 PE
// columns) and, under 0.96 MB of weights per tile, a stall of 1.5 us plus
// the bytes at 2.048 TB/s; a larger part stalls at the FC bandwidth.
TEST(AccelRram28nmModelTest, SingleSampleFcPartsPadToTheTilesAndStallByRegime) {
  absl::StatusOr<std::vector<partitioner::LayerDesc>> layers =
      partitioner::ScaledOutNetPart("alex_net");
  ASSERT_TRUE(layers.ok());
  const partitioner::LayerDesc* fc2 = nullptr;
  for (const partitioner::LayerDesc& layer : *layers) {
    if (layer.name == "fc2") fc2 = &layer;
  }
  ASSERT_NE(fc2, nullptr);
  ASSERT_EQ(fc2->batch, 1);
  const AccelModelConstants c;
  const double macs_s = 1 / (c.macs_per_cycle * c.clock_hz);

  const partitioner::LayerPart small = FcOutputPart(*fc2, 41);
  absl::StatusOr<LayerPartCost> cost = CostLayerPart(small, *fc2, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 4096.0 * 256);  // 41 -> 256 outputs
  const double small_bytes = static_cast<double>(
      small.weight_bytes + small.ifmap_bytes + small.ofmap_bytes);
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 1.5e-6 + small_bytes / 2.048e12,
              1e-12);

  const partitioner::LayerPart large = FcOutputPart(*fc2, 2048);  // 1 MiB/tile
  cost = CostLayerPart(large, *fc2, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 4096.0 * 2048);
  const double large_bytes = static_cast<double>(
      large.weight_bytes + large.ifmap_bytes + large.ofmap_bytes);
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s +
                  large_bytes / c.fc_bandwidth_bytes_per_s,
              1e-12);
}

// The layer `name` of scaled-out net part `net_part` (fails the test if
// missing).
partitioner::LayerDesc NetPartLayer(const std::string& net_part,
                                    const std::string& name) {
  absl::StatusOr<std::vector<partitioner::LayerDesc>> layers =
      partitioner::ScaledOutNetPart(net_part);
  EXPECT_TRUE(layers.ok()) << layers.status();
  if (layers.ok()) {
    for (const partitioner::LayerDesc& layer : *layers) {
      if (layer.name == name) return layer;
    }
  }
  ADD_FAILURE() << net_part << " has no layer " << name;
  return partitioner::LayerDesc();
}

// An output split of `outputs` channels of a batched FC layer, with the
// batch's ifmap and ofmap bytes.
partitioner::LayerPart BatchedFcOutputPart(const partitioner::LayerDesc& layer,
                                           int64_t outputs) {
  partitioner::LayerPart part = FcOutputPart(layer, outputs);
  part.ifmap_bytes = layer.nifm * layer.batch * 2;
  part.ofmap_bytes = outputs * layer.batch * 2;
  return part;
}

double Bytes(const partitioner::LayerPart& part, double weight_reads) {
  return weight_reads * static_cast<double>(part.weight_bytes) +
         static_cast<double>(part.ifmap_bytes + part.ofmap_bytes);
}

// Batched FC output splits pad their outputs to the whole layer's output
// block, M / (16 x ceil(B / 16)): 1,024 for the LSTM's cell-1 gates (B 32),
// 2,048 for cell 2's (B 4). B >= 16 parts stall like single-sample ones
// when small and at the RRAM peak when large; B < 16 parts stream their
// weights once per sample at the RRAM peak.
TEST(AccelRram28nmModelTest, BatchedFcPartsPadToTheLayerBlockAndStreamAtTheRramPeak) {
  const AccelModelConstants c;
  const double macs_s = 1 / (c.macs_per_cycle * c.clock_hz);
  const partitioner::LayerDesc act_1 = NetPartLayer("lstm_langmod", "act_1");
  ASSERT_EQ(act_1.batch, 32);
  ASSERT_EQ(act_1.nofm, 32768);

  const partitioner::LayerPart small = BatchedFcOutputPart(act_1, 452);
  absl::StatusOr<LayerPartCost> cost = CostLayerPart(small, act_1, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 32.0 * 2048 * 1024);  // 452 -> 1024
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 1.5e-6 + Bytes(small, 1) / 2.048e12,
              1e-12);

  const partitioner::LayerPart large = BatchedFcOutputPart(act_1, 7280);
  cost = CostLayerPart(large, act_1, 2, c);  // 1.86 MB of weights per tile
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 32.0 * 2048 * 8192);  // 7280 -> 8192
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + Bytes(large, 1) / 524.288e9,
              1e-12);

  const partitioner::LayerDesc act_2 = NetPartLayer("lstm_langmod_1", "act_2");
  ASSERT_EQ(act_2.batch, 4);
  const partitioner::LayerPart cell2 = BatchedFcOutputPart(act_2, 1820);
  cost = CostLayerPart(cell2, act_2, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 4.0 * 2048 * 2048);  // 1820 -> 2048
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 1.5e-6 + Bytes(cell2, 4) / 524.288e9,
              1e-12);
  EXPECT_EQ(cost->rram_write_lines, 0);
}

// Output-map bytes beyond the 2 MiB global buffer are written to RRAM
// (exact for every such layer upstream: VGG-16 conv01-04, the LSTM
// embedding and cell-math pseudo-layers).
TEST(AccelRram28nmModelTest, OutputMapBeyondTheGlobalBufferSpillsToRram) {
  absl::StatusOr<std::vector<NetPartPlan>> plans =
      PartitionWorkload("LSTM LangMod", 2048);
  ASSERT_TRUE(plans.ok()) << plans.status();
  const NetPartPlan& cell_1 = plans->front();
  const partitioner::LayerPart* embed = nullptr;
  for (const partitioner::LayerPart& part : cell_1.plan.chips[0].parts) {
    if (part.layer_name == "embed1") embed = &part;
  }
  ASSERT_NE(embed, nullptr);
  const partitioner::LayerDesc layer = NetPartLayer("lstm_langmod", "embed1");
  const AccelModelConstants c;
  absl::StatusOr<LayerPartCost> cost = CostLayerPart(*embed, layer, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  ASSERT_EQ(embed->ofmap_bytes, 50782080);
  // Upstream's embed1: 1,523,232 written lines (this rule: 0.1 % fewer).
  EXPECT_DOUBLE_EQ(cost->rram_write_lines, (50782080.0 - 2097152) / 32);
  EXPECT_NEAR(cost->rram_energy_j,
              204.8e-12 * cost->rram_read_lines + 384e-12 * cost->rram_write_lines,
              1e-15);
  EXPECT_NEAR(cost->buffer_energy_j,
              c.buffer_j_per_line * (cost->rram_read_lines + cost->rram_write_lines),
              1e-15);
}

// Embedding and cell-math parts (one input per output) with B >= 16 pad
// their outputs to 4,096 and are bound by writing their output map:
// 60 ns + O / 512 GB/s; their spill stalls only for the output beyond
// 8 MiB, at 126.5 GB/s.
// Cell 2's B = 4 cell math keeps the class-bandwidth stall.
TEST(AccelRram28nmModelTest, EmbeddingAndCellMathPartsAreBoundByTheirOutputs) {
  const AccelModelConstants c;
  const double macs_s = 1 / (c.macs_per_cycle * c.clock_hz);
  absl::StatusOr<std::vector<NetPartPlan>> plans =
      PartitionWorkload("LSTM LangMod", 4);
  ASSERT_TRUE(plans.ok()) << plans.status();
  const partitioner::LayerDesc embed1 = NetPartLayer("lstm_langmod", "embed1");
  const partitioner::LayerPart& embed = plans->front().plan.chips[0].parts[0];
  ASSERT_EQ(embed.layer_name, "embed1");
  ASSERT_EQ(embed.weight_bytes, 4096);  // 2,048 words
  ASSERT_EQ(embed.ofmap_bytes, 131072);
  absl::StatusOr<LayerPartCost> cost = CostLayerPart(embed, embed1, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 32.0 * 4096);  // 2,048 -> 4,096
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 60e-9 + 131072 / 512e9, 1e-15);
  // node_results.csv, 4 MiB embedding chips: 64 ns active + 316 ns stalled.
  EXPECT_NEAR(cost->time_s, 380e-9, 1e-12);

  const partitioner::LayerDesc act_1 = NetPartLayer("lstm_langmod", "act_1");
  const partitioner::LayerDesc act_2 = NetPartLayer("lstm_langmod_1", "act_2");
  absl::StatusOr<std::vector<NetPartPlan>> ideal =
      PartitionWorkload("LSTM LangMod", 2048);
  ASSERT_TRUE(ideal.ok()) << ideal.status();
  const partitioner::LayerPart& cell_1 = ideal->front().plan.dummy_chips[0].parts[0];
  ASSERT_EQ(cell_1.ofmap_bytes, 16777216);
  cost = CostLayerPart(cell_1, act_1, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->padded_macs, 32.0 * 262144);
  EXPECT_DOUBLE_EQ(cost->rram_write_lines, (16777216.0 - 2097152) / 32);
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 60e-9 + 16777216 / 512e9 +
                  (16777216.0 - 8388608) / 126.5e9,
              1e-15);

  // A spill under 8 MiB of output adds no stall: the 32 MiB cell-1 dummy
  // conv_part_2 writes upstream's 50,944 lines, and upstream times it at
  // 960 ns active + 7,356 ns stalled.
  absl::StatusOr<std::vector<NetPartPlan>> at_32 =
      PartitionWorkload("LSTM LangMod", 32);
  ASSERT_TRUE(at_32.ok()) << at_32.status();
  const partitioner::LayerPart& spill = at_32->front().plan.dummy_chips[1].parts[0];
  ASSERT_EQ(spill.ofmap_bytes, 3727360);
  cost = CostLayerPart(spill, act_1, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_DOUBLE_EQ(cost->rram_write_lines, 50944);
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s + 60e-9 + 3727360 / 512e9, 1e-15);
  EXPECT_NEAR(cost->time_s, 960e-9 + 7356e-9, 20e-9);

  const partitioner::LayerPart& cell_2 = (*plans)[1].plan.dummy_chips[0].parts[0];
  ASSERT_EQ(act_2.batch, 4);
  cost = CostLayerPart(cell_2, act_2, 2, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  const double words = static_cast<double>(cell_2.weight_bytes) / 2;
  EXPECT_DOUBLE_EQ(cost->padded_macs, 4.0 * std::ceil(words / 64) * 64);
  EXPECT_NEAR(cost->time_s,
              2 * cost->padded_macs * macs_s +
                  Bytes(cell_2, 1) / c.fc_bandwidth_bytes_per_s,
              1e-15);
}

TEST(AccelRram28nmModelTest, RejectsPartThatIsNotWholeChannels) {
  absl::StatusOr<std::vector<partitioner::LayerDesc>> layers =
      partitioner::ScaledOutNetPart("alex_net");
  ASSERT_TRUE(layers.ok());
  partitioner::LayerPart part;
  part.name = "conv2";
  part.layer_name = "conv2";
  part.weight_bytes = 7;
  EXPECT_THAT(CostLayerPart(part, (*layers)[1], 2, AccelModelConstants()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Paper ideal totals per workload: sum of the 2048 MiB chip_total rows.
struct IdealTotals {
  double energy_j = 0;
  double time_s = 0;
};

IdealTotals PaperIdeal(const CsvTable& table, const std::string& workload) {
  IdealTotals totals;
  for (int row = 0; row < table.num_rows(); ++row) {
    if (table.Get(row, "workload").value() != workload ||
        table.Get(row, "row_type").value() != "chip_total") {
      continue;
    }
    totals.energy_j += table.GetDouble(row, "Total_Energy").value();
    totals.time_s += table.GetDouble(row, "Total_time").value();
  }
  return totals;
}

// Stated tolerances (relative) of the model's ideal Σ chip energy / time.
// Energy 5 %, time 15 % for every workload. The LSTM was -6.1 % / -14.6 %
// before the output-spill and per-sample stall rules, -0.5 % / -0.1 % after
// them and -0.5 % / +0.0 % with the single-input rule.
TEST(AccelRram28nmModelTest, IdealTotalsMatchThePaperIdealChips) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<CsvTable> table =
      CsvTable::Read(dir + "/paper_sim/ideal_chip_per_layer.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  struct Case {
    const char* workload;
    double energy_tol;
    double time_tol;
  };
  for (const Case& c : {Case{"AlexNet", 0.05, 0.15}, Case{"VGG-16", 0.05, 0.15},
                        Case{"ResNet-50", 0.05, 0.15},
                        Case{"LSTM LangMod", 0.05, 0.15}}) {
    SCOPED_TRACE(c.workload);
    const IdealTotals paper = PaperIdeal(*table, c.workload);
    absl::StatusOr<SystemCost> ours =
        ModelWorkloadCost(c.workload, kIdealMemsizeMiB, LinkParams());
    ASSERT_TRUE(ours.ok()) << ours.status();
    std::printf("%-13s ideal sum-of-chips E paper %.5g J ours %.5g J (%+.1f%%)"
                "  T paper %.5g s ours %.5g s (%+.1f%%)\n",
                c.workload, paper.energy_j, ours->e_nodes_j,
                100 * (ours->e_nodes_j / paper.energy_j - 1), paper.time_s,
                ours->t_nodes_s, 100 * (ours->t_nodes_s / paper.time_s - 1));
    EXPECT_NEAR(ours->e_nodes_j / paper.energy_j, 1.0, c.energy_tol);
    EXPECT_NEAR(ours->t_nodes_s / paper.time_s, 1.0, c.time_tol);
  }
}

}  // namespace
}  // namespace illusion::coordinator::scaled_out
