#include "coordinator/in_process_fleet.h"

#include "chipd/chip_model.h"
#include "common/status_matchers.h"
#include "coordinator/deploy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

TEST(InProcessFleetTest, CreatesChipsAndNamesThem) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(auto fleet, InProcessFleet::Create(3, model));
  EXPECT_EQ(fleet->size(), 3);
  EXPECT_EQ(fleet->Describe(2), "in-process chip 2");
  ASSERT_NE(fleet->chip(2), nullptr);
  EXPECT_EQ(fleet->chip(2)->chip_id(), 2);
  EXPECT_EQ(fleet->chip(3), nullptr);
  EXPECT_THAT(InProcessFleet::Create(0, model),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 0")));
  model.set_clock_hz(0);
  EXPECT_THAT(InProcessFleet::Create(1, model),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("clock_hz")));
}

TEST(InProcessFleetTest, UnknownChipIsNotFound) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(auto fleet, InProcessFleet::Create(2, model));
  EXPECT_THAT(fleet->Execute(2, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("chip 2 is not in")));
  EXPECT_THAT(fleet->Execute(-1, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("fleet of 2 chips")));
  EXPECT_THAT(fleet->Execute(0, chipd::ExecuteRequest{}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no slice loaded")));
}

TEST(InProcessFleetTest, DeployLoadsEachChipWithOnlyItsWeights) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kMnist));
  const nn::WeightMap weights = nn::SeededWeights(graph, 1);
  ASSERT_OK_AND_ASSIGN(partitioner::Partition p,
                       partitioner::PaperPartitionFor(nn::Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(auto fleet, InProcessFleet::Create(8, model));
  ASSERT_OK(DeployPartition(p, graph, weights, *fleet));
  for (int k = 0; k < 8; ++k) {
    ASSERT_TRUE(fleet->chip(k)->slice_info().has_value()) << k;
    EXPECT_EQ(fleet->chip(k)->slice_info()->weight_bytes, p.chips[k].weight_bytes);
    ASSERT_OK_AND_ASSIGN(nn::WeightMap mine, ChipWeights(p, graph, weights, k));
    EXPECT_LT(mine.size(), weights.size());
  }
  // The SVHN target (31160 weight bytes) does not fit the real chip's 4 KB.
  ASSERT_OK_AND_ASSIGN(nn::Graph svhn, partitioner::PaperGraph(nn::Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(partitioner::Partition target,
                       partitioner::PaperPartitionFor(nn::Workload::kSvhn, 1));
  EXPECT_THAT(DeployPartition(target, svhn, nn::SeededWeights(svhn, 1), *fleet),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("loading in-process chip 0: slice 'svhn/paper/chip 0' needs 31160")));
}

}  // namespace
}  // namespace illusion::coordinator
