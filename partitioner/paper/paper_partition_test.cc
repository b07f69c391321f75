#include "partitioner/paper/paper_partition.h"

#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"

namespace illusion::partitioner {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using nn::Workload;

std::vector<int64_t> WeightBytes(Workload w, int chips, bool nv = false) {
  PaperPartitionOptions options;
  options.d2nn_nv = nv;
  absl::StatusOr<Partition> p = PaperPartitionFor(w, chips, options);
  EXPECT_OK(p.status());
  std::vector<int64_t> bytes;
  if (!p.ok()) return bytes;
  for (const ChipSlice& c : p->chips) bytes.push_back(c.weight_bytes);
  return bytes;
}

// workloads.md §2.2 "Weight B" columns.
TEST(PaperPartitionTest, WeightBytesAsTabulated) {
  EXPECT_THAT(WeightBytes(Workload::kMnist, 1), ElementsAreArray({3648}));
  EXPECT_THAT(WeightBytes(Workload::kMnist, 4), ElementsAreArray({926, 876, 876, 970}));
  EXPECT_THAT(WeightBytes(Workload::kMnist, 8),
              ElementsAreArray({486, 440, 438, 438, 438, 438, 480, 490}));
  EXPECT_THAT(WeightBytes(Workload::kSvhn, 1), ElementsAreArray({31160}));
  EXPECT_THAT(WeightBytes(Workload::kSvhn, 4), ElementsAreArray({7350, 8008, 8008, 7794}));
  EXPECT_THAT(WeightBytes(Workload::kSvhn, 8),
              ElementsAreArray({3438, 3912, 4004, 4004, 4004, 4004, 4004, 3790}));
  EXPECT_THAT(WeightBytes(Workload::kD2nn, 1), ElementsAreArray({30850}));
  EXPECT_THAT(WeightBytes(Workload::kD2nn, 4), ElementsAreArray({7346, 7742, 8148, 7614}));
  EXPECT_THAT(WeightBytes(Workload::kD2nn, 8),
              ElementsAreArray({3292, 4054, 3818, 3924, 4074, 4074, 4074, 3540}));
  // NV: the second wake-up of chip 0 ("00") holds no extra weights.
  EXPECT_THAT(WeightBytes(Workload::kD2nn, 8, true),
              ElementsAreArray({3292, 4054, 0, 3818, 3924, 4074, 4074, 4074, 3540}));
  EXPECT_THAT(WeightBytes(Workload::kKwsLstm, 1), ElementsAreArray({30011}));
  EXPECT_THAT(WeightBytes(Workload::kKwsLstm, 4), ElementsAreArray({7500, 7500, 7500, 7511}));
  EXPECT_THAT(WeightBytes(Workload::kKwsLstm, 8),
              ElementsAreArray({3750, 3750, 3750, 3750, 3750, 3750, 3750, 3761}));
}

TEST(PaperPartitionTest, WholeModelIsCoveredOnce) {
  for (Workload w : {Workload::kMnist, Workload::kSvhn, Workload::kD2nn, Workload::kKwsLstm}) {
    ASSERT_OK_AND_ASSIGN(Partition target, PaperPartitionFor(w, 1));
    for (int chips : {4, 8}) {
      ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(w, chips));
      EXPECT_EQ(p.total_weight_bytes(), target.total_weight_bytes())
          << nn::WorkloadName(w) << " " << chips;
    }
  }
}

TEST(PaperPartitionTest, ChipsAndModeWords) {
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kD2nn, 8, {true}));
  ASSERT_EQ(p.chips.size(), 9u);
  EXPECT_EQ(p.chips[2].label, "00");
  EXPECT_EQ(p.chips[2].mode_word, 0x0001);
  EXPECT_EQ(p.chips[2].resumes, 0);
  EXPECT_EQ(p.FindChip("7"), 8);
  ASSERT_OK_AND_ASSIGN(Partition sm, PaperPartitionFor(Workload::kMnist, 4));
  EXPECT_EQ(sm.chips[3].mode_word, 0x0800);
  EXPECT_EQ(sm.mode, PaperMode::kFourChip);
}

// Payload sizes of §2.2 (MNIST 8-chip: conv2 300, conv3 64, conv4 12, psum 20).
TEST(PaperPartitionTest, MnistEightChipMessageSizes) {
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kMnist, 8));
  std::vector<int64_t> sizes;
  for (const MessagePlan& m : p.messages) {
    int64_t words = 0;
    for (const Segment& s : m.payload) words += s.words();
    sizes.push_back(words);
  }
  EXPECT_THAT(sizes, ElementsAreArray({392, 300, 64, 64, 64, 64, 12, 12, 12, 12, 20, 1}));
}

TEST(PaperPartitionTest, SvhnEightChipSlicesCoverWholeWords) {
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kSvhn, 8));
  std::vector<int64_t> begins;
  for (const MessagePlan& m : p.messages) {
    if (m.source == 1) begins.push_back(m.payload[0].bytes.begin / 2);
  }
  EXPECT_THAT(begins, ElementsAreArray({0, 38, 77, 115, 154}));
}

TEST(PaperPartitionTest, RejectsOtherChipCounts) {
  absl::StatusOr<Partition> p = PaperPartitionFor(Workload::kMnist, 3);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("3"));
  EXPECT_THAT(p.status().message(), HasSubstr("1, 4 or 8"));
  EXPECT_FALSE(PaperPartitionFor(Workload::kMnist, 8, {true}).ok());
}

}  // namespace
}  // namespace illusion::partitioner
