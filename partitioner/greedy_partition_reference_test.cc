// Checks GreedyPartition and the message model against every relevant row
// of the reference kit (reference/paper_sim/*.csv, read in place).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/greedy_plan.h"
#include "partitioner/message_passing.h"
#include "partitioner/scaled_out_layers.h"
#include "partitioner/testing/reference_csv.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::IsOk;
using ::illusion::partitioner::testing::CsvRecord;
using ::illusion::partitioner::testing::CsvTable;

class GreedyPartitionReferenceTest
    : public ::illusion::partitioner::testing::ReferenceDataTest {
 protected:
  // The plan of `net_part` at `memsize_mib`, computed once per test.
  const GreedyPlan& Plan(const std::string& net_part, double memsize_mib) {
    const std::string key = absl::StrCat(net_part, "@", memsize_mib);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;
    GreedyPlan plan;
    absl::StatusOr<std::vector<LayerDesc>> layers = ScaledOutNetPart(net_part);
    EXPECT_THAT(layers, IsOk());
    if (layers.ok()) {
      GreedyOptions options;
      options.memsize_mib = memsize_mib;
      absl::StatusOr<GreedyPlan> result = GreedyPartition(*layers, options);
      EXPECT_THAT(result, IsOk()) << key;
      if (result.ok()) plan = *std::move(result);
    }
    return plans_.emplace(key, std::move(plan)).first->second;
  }

 private:
  absl::node_hash_map<std::string, GreedyPlan> plans_;  // Stable refs.
};

// Rows of partition_reference_cases.csv grouped by case, in file order.
std::vector<std::vector<const CsvRecord*>> GroupCases(const CsvTable& table) {
  std::vector<std::vector<const CsvRecord*>> cases;
  std::string last_key;
  for (const CsvRecord& row : table.records) {
    const std::string key =
        absl::StrCat(row.Get("net_part"), "@", row.Get("memsize_MiB"));
    if (cases.empty() || key != last_key) cases.emplace_back();
    cases.back().push_back(&row);
    last_key = key;
  }
  return cases;
}

TEST_F(GreedyPartitionReferenceTest, EveryPartitionReferenceCaseMatches) {
  const CsvTable table = LoadPaperSim("partition_reference_cases.csv");
  const auto cases = GroupCases(table);
  ASSERT_EQ(cases.size(), 7u);
  for (const auto& rows : cases) {
    const CsvRecord& head = *rows.front();
    SCOPED_TRACE(absl::StrCat(head.Get("net_part"), " @ ",
                              head.Get("memsize_MiB"), " MiB"));
    const GreedyPlan& plan =
        Plan(head.Get("net_part"), head.GetDouble("memsize_MiB"));
    EXPECT_EQ(plan.num_chips, head.GetInt("chips_in_net_part"));
    const std::vector<MessageRow> mine = MessagePassingRows(plan);
    ASSERT_EQ(mine.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const CsvRecord& row = *rows[i];
      SCOPED_TRACE(absl::StrCat("row ", i + 1, ": ", row.Get("layer_part")));
      EXPECT_EQ(mine[i].node_name, row.Get("node"));
      EXPECT_EQ(mine[i].layer_name, row.Get("layer_part"));
      EXPECT_EQ(mine[i].layer_number, row.GetInt("layer_number_on_node"));
      EXPECT_EQ(mine[i].ifmap_bytes, row.GetInt("ifmap_bytes"));
      EXPECT_EQ(mine[i].ofmap_bytes, row.GetInt("ofmap_bytes"));
      EXPECT_EQ(mine[i].fmap_bytes, row.GetInt("fmap_bytes"));
    }
  }
}

TEST_F(GreedyPartitionReferenceTest, CsvWriterReproducesStoredFilesExactly) {
  const CsvTable table = LoadPaperSim("partition_reference_cases.csv");
  for (const auto& rows : GroupCases(table)) {
    const CsvRecord& head = *rows.front();
    std::string expected = absl::StrCat(kMessagePassingCsvHeader, "\n");
    for (const CsvRecord* row : rows) {
      absl::StrAppend(&expected, row->Get("node"), ",", row->Get("layer_part"),
                      ",", row->Get("layer_number_on_node"), ",",
                      row->Get("ifmap_bytes"), ",", row->Get("ofmap_bytes"),
                      ",", row->Get("fmap_bytes"), "\n");
    }
    EXPECT_EQ(WriteMessagePassingCsv(
                  Plan(head.Get("net_part"), head.GetDouble("memsize_MiB"))),
              expected)
        << head.Get("net_part") << " @ " << head.Get("memsize_MiB");
  }
}

TEST_F(GreedyPartitionReferenceTest, EveryMessageBreakdownRowMatches) {
  const CsvTable table = LoadPaperSim("message_breakdown.csv");
  ASSERT_EQ(table.records.size(), 30u);
  for (const CsvRecord& row : table.records) {
    SCOPED_TRACE(absl::StrCat(row.Get("net_part"), " @ ",
                              row.Get("memsize_MiB"), " MiB"));
    const GreedyPlan& plan =
        Plan(row.Get("net_part"), row.GetDouble("memsize_MiB"));
    const MessageBreakdown& m = plan.messages;
    EXPECT_EQ(plan.num_chips, row.GetInt("chips"));
    EXPECT_EQ(m.network_input, row.GetInt("net_input_bytes"));
    EXPECT_EQ(m.split_part_input, row.GetInt("split_part_input_bytes"));
    EXPECT_EQ(m.chip_output, row.GetInt("node_output_bytes"));
    EXPECT_EQ(m.embedding_word_ids, row.GetInt("embed_word_id_bytes"));
    EXPECT_EQ(m.embedding_handoff, row.GetInt("embed_to_cell_handoff_bytes"));
    EXPECT_EQ(m.residual_bypass, row.GetInt("resnet_bypass_bytes"));
    EXPECT_EQ(m.total, row.GetInt("total_message_bytes"));
  }
}

TEST_F(GreedyPartitionReferenceTest, EverySweepRowMatchesChipsAndMessages) {
  const CsvTable table = LoadPaperSim("sweep_results_1x.csv");
  ASSERT_EQ(table.records.size(), 59u);
  for (const CsvRecord& row : table.records) {
    SCOPED_TRACE(absl::StrCat(row.Get("workload"), " @ ",
                              row.Get("memsize_MiB"), " MiB"));
    absl::StatusOr<std::vector<std::string>> names =
        ScaledOutWorkloadNetParts(row.Get("workload"));
    ASSERT_THAT(names, IsOk());
    std::vector<GreedyPlan> parts;
    std::vector<int> chips;
    int dummies = 0;
    for (const std::string& name : *names) {
      parts.push_back(Plan(name, row.GetDouble("memsize_MiB")));
      chips.push_back(parts.back().num_chips);
      dummies += static_cast<int>(parts.back().dummy_chips.size());
    }
    absl::StatusOr<bool> fused = FuseSingleChipNetParts(absl::MakeSpan(parts));
    ASSERT_THAT(fused, IsOk());
    int physical = 0;
    for (int n : chips) physical += n;
    if (*fused) physical = 1;  // The one-chip LSTM ideal counts as 1 chip.
    EXPECT_EQ(absl::StrJoin(chips, "+"), row.Get("chips_per_net_part"));
    EXPECT_EQ(physical, row.GetInt("chips_physical"));
    EXPECT_EQ(dummies, row.GetInt("lstm_dummy_chips"));
    EXPECT_EQ(WorkloadMessageBytes(parts), row.GetInt("msg_bytes"));
  }
}

TEST_F(GreedyPartitionReferenceTest, EveryResultsNodeHoldsTheStoredLayers) {
  const CsvTable table = LoadPaperSim("node_results.csv");
  ASSERT_EQ(table.records.size(), 579u);
  for (const CsvRecord& row : table.records) {
    const std::string& node = row.Get("results_file_node");
    SCOPED_TRACE(absl::StrCat(row.Get("net_part"), " @ ",
                              row.Get("memsize_MiB"), " MiB ", node));
    const GreedyPlan& plan =
        Plan(row.Get("net_part"), row.GetDouble("memsize_MiB"));
    EXPECT_EQ(plan.num_chips, row.GetInt("chips_in_net_part"));
    const ChipPlan* chip = nullptr;
    for (const auto* chips : {&plan.chips, &plan.dummy_chips}) {
      for (const ChipPlan& c : *chips) {
        if (ChipName(c) == node) chip = &c;
      }
    }
    ASSERT_NE(chip, nullptr);
    std::vector<std::string> names;
    for (const LayerPart& part : chip->parts) names.push_back(part.name);
    EXPECT_EQ(absl::StrJoin(names, ";"),
              row.Get("layers_on_results_node_mp_csv"));
  }
}

TEST_F(GreedyPartitionReferenceTest, SmallestOneChipMemsizeMatches) {
  const CsvTable table = LoadPaperSim("workload_totals.csv");
  const absl::Span<const double> sweep = PaperSweepMemsizesMiB();
  for (const CsvRecord& row : table.records) {
    const double smallest =
        row.GetDouble("smallest_swept_memsize_MiB_giving_1_chip");
    SCOPED_TRACE(row.Get("net_part"));
    for (size_t i = 0; i < sweep.size(); ++i) {
      const int chips = Plan(row.Get("net_part"), sweep[i]).num_chips;
      if (sweep[i] < smallest) {
        EXPECT_GT(chips, 1) << sweep[i];
      } else {
        EXPECT_EQ(chips, 1) << sweep[i];
      }
    }
  }
}

}  // namespace
}  // namespace illusion::partitioner
