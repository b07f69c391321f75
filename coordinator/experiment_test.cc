// RunExperiment end to end: the paper's 8-chip systems against the target
// chip, greedy against ideal, every workload, and config errors.

#include "coordinator/experiment.h"

#include <iostream>

#include "absl/strings/str_cat.h"

#include "common/status_matchers.h"
#include "coordinator/accounting.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using nn::Workload;
using partitioner::Strategy;

TEST(ExperimentTest, SvhnPaperEightChipVersusTarget) {
  ExperimentConfig c;
  c.workload = Workload::kSvhn;
  c.chips = 8;
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
  std::cout << "svhn paper 8-chip vs target, msp430_rram, sequential:\n"
            << FormatReport(r.report);
  EXPECT_EQ(r.partition.chips.size(), 8u);
  EXPECT_EQ(r.baseline_partition.chips.size(), 1u);
  EXPECT_EQ(r.model.weight_nvm_bytes(), 4096);  // the real chip holds each slice
  EXPECT_GT(r.baseline_model.weight_nvm_bytes(), 4096);
  EXPECT_EQ(r.run.inferences[0].class_id, r.baseline_run.inferences[0].class_id);
  // Illusion: close to the ideal chip, but not better.
  EXPECT_GT(r.report.energy_ratio, 1.0);
  EXPECT_LT(r.report.energy_ratio, 1.2);
  EXPECT_GT(r.report.time_ratio, 1.0);
  EXPECT_LT(r.report.time_ratio, 1.2);

  c.schedule = Schedule::kOverlapped;
  ASSERT_OK_AND_ASSIGN(ExperimentResult o, RunExperiment(c));
  std::cout << "overlapped: " << FormatReport(o.report).substr(
                                     FormatReport(o.report).rfind("ratios"));
  EXPECT_LT(o.report.run.time_ns, r.report.run.time_ns);
  EXPECT_LT(o.report.time_ratio, r.report.time_ratio);
}

class WorkloadTest : public ::testing::TestWithParam<Workload> {};

TEST_P(WorkloadTest, PaperAndGreedyRunsAgreeWithTheBaselineClass) {
  for (Strategy s : {Strategy::kPaper, Strategy::kGreedy}) {
    for (int chips : {4, 8}) {
      if (s == Strategy::kGreedy && chips == 4) continue;
      SCOPED_TRACE(absl::StrCat(partitioner::StrategyName(s), " ", chips));
      ExperimentConfig c;
      c.workload = GetParam();
      c.strategy = s;
      c.chips = chips;
      c.memsize_bytes = 8192;
      c.schedule = Schedule::kOverlapped;
      c.inferences = 2;
      ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
      ASSERT_EQ(r.run.inferences.size(), 2u);
      for (int i = 0; i < 2; ++i) {
        EXPECT_GE(r.run.inferences[i].class_id, 0);
        EXPECT_EQ(r.run.inferences[i].class_id, r.baseline_run.inferences[i].class_id);
      }
      EXPECT_GT(r.report.energy_ratio, 0.9);
      EXPECT_GT(r.report.edp_ratio, 0.0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, WorkloadTest,
                         ::testing::Values(Workload::kMnist, Workload::kD2nn,
                                           Workload::kKwsLstm),
                         [](const auto& info) { return std::string(nn::WorkloadName(info.param)); });

TEST(ExperimentTest, GivenInputsAreUsedAndPathIsForced) {
  ExperimentConfig c;
  c.workload = Workload::kD2nn;
  c.chips = 4;
  c.run_baseline = false;
  c.inferences = 1;
  ASSERT_OK_AND_ASSIGN(ExperimentResult seeded, RunExperiment(c));
  nn::TensorMap given = seeded.inputs[0];
  given.erase(nn::kPathTensor);
  c.inputs = {given};
  ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(r.inputs[0].count(nn::kPathTensor), 1u);
  EXPECT_EQ(r.run.inferences[0].class_id, seeded.run.inferences[0].class_id);
  EXPECT_EQ(r.report.energy_ratio, 0.0);  // no baseline
}

// A KWS sequence of 3 frames: only the first step has h0/c0, the later ones
// carry the host's h and c; the final state and class equal the golden
// 3-step graph's.
TEST(ExperimentTest, LstmSequenceCarriesTheStateBetweenSteps) {
  nn::WorkloadOptions three;
  three.lstm_steps = 3;
  ASSERT_OK_AND_ASSIGN(nn::Graph golden_graph, nn::BuildWorkloadGraph(Workload::kKwsLstm, three));
  const nn::WeightMap weights = nn::SeededWeights(golden_graph, 1);
  nn::TensorMap golden_in;
  for (const nn::TensorSpec& spec : golden_graph.inputs()) {
    golden_in[spec.name] = nn::SeededTensor(spec, 7, -100, 100);
  }
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(golden_graph, weights, golden_in));

  for (Strategy s : {Strategy::kPaper, Strategy::kIdeal}) {
    ExperimentConfig c;
    c.workload = Workload::kKwsLstm;
    c.strategy = s;
    c.inferences = 3;
    c.run_baseline = false;
    for (int step = 0; step < 3; ++step) {
      nn::TensorMap in;
      std::vector<int32_t> frame;
      for (int f = 0; f < 10; ++f) frame.push_back(golden_in.at(nn::kLstmX).at(step * 10 + f));
      in[nn::kLstmX] = nn::Tensor::FromValues(nn::DType::kInt8, {1, 10}, frame);
      if (step == 0) {
        in[nn::kLstmH0] = golden_in.at(nn::kLstmH0);
        in[nn::kLstmC0] = golden_in.at(nn::kLstmC0);
      }
      in["last"] = nn::Tensor::FromValues(nn::DType::kInt16, {1}, {step == 2 ? 1 : 0});
      c.inputs.push_back(in);
    }
    ASSERT_OK_AND_ASSIGN(ExperimentResult r, RunExperiment(c));
    ASSERT_EQ(r.run.inferences.size(), 3u);
    const nn::TensorMap& host = r.run.inferences[2].host;
    EXPECT_TRUE(host.at("h").SameValues(golden.at("h"))) << partitioner::StrategyName(s);
    EXPECT_TRUE(host.at("c").SameValues(golden.at("c"))) << partitioner::StrategyName(s);
    EXPECT_EQ(r.run.inferences[2].class_id, golden.at(nn::kClassTensor).at(0));
  }
}

TEST(ExperimentTest, BadConfigsAreRefusedNamingTheField) {
  ExperimentConfig c;
  c.inferences = 0;
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("inferences must be at least 1; got 0")));
  c.inferences = 2;
  c.inputs.resize(1);
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("inputs has 1 maps; inferences is 2")));
  c.inputs.clear();
  c.chips = 3;
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("3")));
  c.chips = 8;
  c.chip_model = "no_such_chip";
  EXPECT_THAT(RunExperiment(c), StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such_chip")));
}

TEST(ExperimentTest, WithoutFittingTheTargetChipIsRefused) {
  ExperimentConfig c;
  c.workload = Workload::kSvhn;
  c.chips = 1;  // the target holds all 31160 weight bytes; the real chip has 4 KB
  c.fit_memory = false;
  EXPECT_THAT(RunExperiment(c),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("4096 bytes")));
}

}  // namespace
}  // namespace illusion::coordinator
