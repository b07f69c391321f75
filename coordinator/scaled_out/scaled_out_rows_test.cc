// Reference checks of the scaled-out rows (reference/paper_sim, in place).

#include "coordinator/scaled_out/scaled_out_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "coordinator/scaled_out/scaled_out_series.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/reference_data.h"

namespace illusion::coordinator::scaled_out {
namespace {

using fidelity::ReproduceRow;
using fidelity::ToleranceKind;

void Print(const ReproduceRow& r) {
  std::printf("%-9s %7g MiB F%g %5d chips %-6s paper %9.5f ours %9.5f %s "
              "tol %.3g %s\n",
              r.workload.c_str(), r.memsize_mib, r.link_factor, r.chips,
              r.metric.c_str(), r.paper, r.ours,
              r.within_tolerance() ? "PASS" : "FAIL", r.tolerance,
              r.note.c_str());
}

TEST(ScaledOutRowsTest, AggregationReproducesEverySweepRowExactly) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<std::vector<ReproduceRow>> rows =
      ScaledOutAggregationRows(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  // 59 rows of sweep_results_1x.csv + 236 of the sensitivity file, x 3.
  EXPECT_EQ(rows->size(), 3u * (59 + 236));
  int passed = 0;
  double worst = 0;
  for (const ReproduceRow& row : *rows) {
    EXPECT_EQ(row.tolerance_kind, ToleranceKind::kRelative);
    EXPECT_DOUBLE_EQ(row.tolerance, 1e-6);
    if (row.within_tolerance()) {
      ++passed;
    } else {
      Print(row);
    }
    worst = std::max(worst, std::fabs(row.ours / row.paper - 1));
  }
  std::printf("aggregation rows: %d of %zu within 1e-6 (worst rel %.3g)\n",
              passed, rows->size(), worst);
  EXPECT_EQ(passed, static_cast<int>(rows->size()));
}

TEST(ScaledOutRowsTest, AggregationMatchesResNet50At6MiB) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<std::vector<ReproduceRow>> rows =
      ScaledOutAggregationRows(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  int found = 0;
  for (const ReproduceRow& row : *rows) {
    if (row.workload != "resnet50" || row.memsize_mib != 6 ||
        row.link_factor != 1) {
      continue;
    }
    ++found;
    if (row.metric == "energy") {
      EXPECT_NEAR(row.ours, 1.02047, 5e-6);
    }
    if (row.metric == "time") {
      EXPECT_NEAR(row.ours, 1.02822, 5e-6);
    }
    if (row.metric == "edp") {
      EXPECT_NEAR(row.ours, 1.04927, 5e-6);
    }
  }
  EXPECT_EQ(found, 6);  // once from each file
}

// Every counted model row must be within its two-sided tolerance, also
// where the paper's ratio lies below the additive-chip ratio (its sub-unity
// times). The last miss, LSTM 4 MiB time (1.099 vs the paper's 1.042 until
// the single-input rule of the model header), passes at 1.066; the LSTM's
// sub-unity times from 8 MiB up, once one-sided checks, pass as well.
TEST(ScaledOutRowsTest, ModelRowsAreWithinTolerance) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<std::vector<ReproduceRow>> rows = ScaledOutModelRows(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  int passed = 0, below_additive = 0, misses = 0;
  for (const ReproduceRow& row : *rows) {
    Print(row);
    EXPECT_GE(row.memsize_mib, 2);
    EXPECT_EQ(row.link_factor, 1);
    EXPECT_EQ(row.tolerance, row.metric == "energy" ? 0.02 : 0.05);
    if (row.note.find("below the additive") != std::string::npos) {
      ++below_additive;
    }
    if (row.within_tolerance()) {
      ++passed;
    } else {
      ++misses;
      EXPECT_NE(row.note.find("MISS"), std::string::npos) << row.note;
    }
    EXPECT_TRUE(row.within_tolerance())
        << row.workload << " @ " << row.memsize_mib << " MiB " << row.metric
        << ": paper " << row.paper << ", ours " << row.ours;
  }
  std::printf("model rows: %d of %zu pass (%d with the paper below the "
              "additive ratio), %d misses\n",
              passed, rows->size(), below_additive, misses);
}

TEST(ScaledOutRowsTest, InformationalRowsAreBelowTwoMiBAndSaySo) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<std::vector<ReproduceRow>> rows =
      ScaledOutModelInformationalRows(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 4u * 3 * 2);
  for (const ReproduceRow& row : *rows) {
    Print(row);
    EXPECT_LT(row.memsize_mib, 2);
    EXPECT_EQ(row.note.rfind("informational", 0), 0u) << row.note;
  }
}

TEST(ScaledOutRowsTest, SeriesCoverEveryWorkloadAndMemsize) {
  REQUIRE_REFERENCE_DIR(dir);
  absl::StatusOr<std::vector<WorkloadSeries>> series = ScaledOutSeries(dir);
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 4u);
  for (const WorkloadSeries& s : *series) {
    ASSERT_EQ(s.ours.size(), s.paper.size()) << s.workload;
    ASSERT_FALSE(s.ours.empty());
    // Chip counts of our partitions equal the paper's.
    for (size_t i = 0; i < s.ours.size(); ++i) {
      EXPECT_EQ(s.ours[i].chips, s.paper[i].chips)
          << s.workload << " @ " << s.ours[i].memsize_mib;
    }
    EXPECT_DOUBLE_EQ(s.ours.back().energy_ratio, 1.0);
    EXPECT_DOUBLE_EQ(s.paper.back().time_ratio, 1.0);
  }
}

}  // namespace
}  // namespace illusion::coordinator::scaled_out
