#include "coordinator/in_process_fleet.h"

#include "chipd/chip_model.h"
#include "chipd/nvm_wear.h"
#include "common/status_matchers.h"
#include "coordinator/deploy.h"
#include "endurer/mode.h"
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

// A distributed swap through the fleet interface: export both images,
// import them crosswise. The images and offsets move; the write counters
// stay with the physical chips (+M each for the copy).
TEST(InProcessFleetTest, WearMethodsSwapTwoChipsImages) {
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSERT_OK_AND_ASSIGN(auto fleet, InProcessFleet::Create(2, model));
  chipd::WearConfig config;
  config.mode = endurer::Mode::kDistributed;
  for (int k = 0; k < 2; ++k) ASSERT_OK(fleet->ConfigureWear(k, config));
  ASSERT_OK_AND_ASSIGN(chipd::RemapOutcome remap, fleet->Remap(0, 1234));
  EXPECT_TRUE(remap.applied);
  EXPECT_EQ(remap.writes, 6144u);
  ASSERT_OK_AND_ASSIGN(chipd::NvmImage image0, fleet->ExportNvm(0));
  ASSERT_OK_AND_ASSIGN(chipd::NvmImage image1, fleet->ExportNvm(1));
  EXPECT_EQ(image0.offset, 1234u);
  ASSERT_OK(fleet->ImportNvm(0, image1));
  ASSERT_OK(fleet->ImportNvm(1, image0));
  ASSERT_OK_AND_ASSIGN(chipd::WearReport wear0, fleet->GetWear(0, true));
  ASSERT_OK_AND_ASSIGN(chipd::WearReport wear1, fleet->GetWear(1, false));
  EXPECT_EQ(wear0.mode, endurer::Mode::kDistributed);
  EXPECT_EQ(wear0.offset, 0u);
  EXPECT_EQ(wear1.offset, 1234u);
  EXPECT_EQ(wear0.write_count, 2u * 6144);  // remap + import
  EXPECT_EQ(wear1.write_count, 6144u);      // import
  EXPECT_EQ(wear0.cell_writes.size(), 6144u);
  EXPECT_TRUE(wear1.cell_writes.empty());

  EXPECT_THAT(fleet->GetWear(2, false).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("chip 2")));
  chipd::NvmImage short_image;
  short_image.words.resize(3);
  EXPECT_THAT(fleet->ImportNvm(1, short_image),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("3 words")));
  EXPECT_THAT(fleet->Remap(1, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("[1, 6143]")));
}

}  // namespace
}  // namespace illusion::coordinator
