// Partition <-> proto round trips for every paper partition and a greedy one,
// rejection of malformed protos, slice buffers and the summary.

#include "partitioner/partition_proto.h"

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/workloads.h"
#include "partitioner/graph_partition.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_summary.h"
#include "partitioner/slice_buffers.h"

namespace illusion::partitioner {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using nn::Workload;

void ExpectRoundTrip(const Partition& p) {
  const illusion::v1::Partition proto = PartitionToProto(p);
  ASSERT_OK_AND_ASSIGN(Partition back, PartitionFromProto(proto));
  EXPECT_EQ(PartitionToProto(back).SerializeAsString(), proto.SerializeAsString());
  ASSERT_EQ(back.chips.size(), p.chips.size());
  ASSERT_EQ(back.messages.size(), p.messages.size());
  for (size_t i = 0; i < p.chips.size(); ++i) {
    EXPECT_EQ(back.chips[i].label, p.chips[i].label);
    EXPECT_EQ(back.chips[i].mode_word, p.chips[i].mode_word);
    EXPECT_EQ(back.chips[i].weight_bytes, p.chips[i].weight_bytes);
    EXPECT_EQ(back.chips[i].steps.size(), p.chips[i].steps.size());
  }
  for (size_t i = 0; i < p.messages.size(); ++i) {
    EXPECT_EQ(back.messages[i].max_words(), p.messages[i].max_words()) << "message " << i;
    EXPECT_EQ(back.messages[i].guard.has_value(), p.messages[i].guard.has_value());
  }
  EXPECT_EQ(back.aux_tensors.size(), p.aux_tensors.size());
  EXPECT_EQ(back.mode, p.mode);
  EXPECT_EQ(back.strategy, p.strategy);
}

TEST(PartitionProtoTest, EveryPaperPartitionRoundTrips) {
  for (Workload w : {Workload::kMnist, Workload::kSvhn, Workload::kD2nn, Workload::kKwsLstm}) {
    for (int chips : {1, 4, 8}) {
      SCOPED_TRACE(absl::StrCat(nn::WorkloadName(w), " ", chips));
      ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(w, chips));
      ExpectRoundTrip(p);
    }
  }
  ASSERT_OK_AND_ASSIGN(Partition nv, PaperPartitionFor(Workload::kD2nn, 8, {true}));
  ExpectRoundTrip(nv);
}

TEST(PartitionProtoTest, GreedyPartitionRoundTrips) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(Partition p, GreedyGraphPartition(graph, {3000}));
  EXPECT_GT(p.chips.size(), 8u);
  ExpectRoundTrip(p);
}

TEST(PartitionProtoTest, MalformedProtosAreRejectedNamingTheField) {
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kMnist, 4));
  illusion::v1::Partition proto = PartitionToProto(p);

  illusion::v1::Partition bad = proto;
  bad.mutable_messages(1)->set_destination(9);
  EXPECT_THAT(PartitionFromProto(bad),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("message 1 destination is 9; valid: -1 (host) or 0..3")));

  bad = proto;
  bad.set_strategy(illusion::v1::STRATEGY_UNSPECIFIED);
  EXPECT_THAT(PartitionFromProto(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown strategy")));

  bad = proto;
  bad.mutable_chips(1)->mutable_steps(0)->mutable_out()->set_end(-3);
  EXPECT_THAT(PartitionFromProto(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("chip 1 ('1') step 0")));

  bad = proto;
  bad.mutable_chips(0)->set_resumes(2);
  EXPECT_THAT(PartitionFromProto(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resumes 2")));

  bad = proto;
  bad.set_paper_mode("huge");
  EXPECT_THAT(PartitionFromProto(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("paper_mode 'huge'")));
}

TEST(SliceBuffersTest, LivePeakIsTheLargestSumOfOverlappingLifetimes) {
  const std::vector<SliceBuffer> buffers = {{"a", 10, 0, 1}, {"b", 20, 1, 2}, {"c", 5, 2, 3}};
  EXPECT_EQ(LivePeakBytes(buffers), 30);
  EXPECT_EQ(LivePeakBytes({}), 0);
}

TEST(SliceBuffersTest, MnistEightChipChipOneHoldsItsInputAndOutput) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(Workload::kMnist));
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kMnist, 8));
  // Chip 1 runs layer3 only: it receives conv2 and sends conv3 to four chips.
  ASSERT_OK_AND_ASSIGN(std::vector<SliceBuffer> buffers, SliceBuffers(p, graph, 1));
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_EQ(buffers[0].tensor, "conv2");
  EXPECT_EQ(buffers[0].bytes, graph.FindTensor("conv2")->byte_size());
  EXPECT_EQ(buffers[0].first_step, 0);
  EXPECT_EQ(buffers[0].last_step, 1);
  EXPECT_EQ(buffers[1].tensor, "conv3");
  EXPECT_EQ(buffers[1].last_step, 2);
  EXPECT_EQ(LivePeakBytes(buffers), buffers[0].bytes + buffers[1].bytes);
}

TEST(PartitionSummaryTest, PaperMnistEightChipSummary) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, PaperGraph(Workload::kMnist));
  ASSERT_OK_AND_ASSIGN(Partition p, PaperPartitionFor(Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(PartitionSummary s, SummarizePartition(p, graph));
  EXPECT_EQ(s.physical_chips, 8);
  ASSERT_EQ(s.chips.size(), 8u);
  EXPECT_EQ(s.weight_bytes, graph.weight_bytes());
  EXPECT_THAT(s.chips[2].ops, ::testing::ElementsAre("layer4[0:6]"));
  EXPECT_THAT(s.chips[6].ops, ::testing::ElementsAre("layer5.psum[in 0:48]"));
  EXPECT_EQ(s.chips[1].messages_out, 4);
  // The input image, packed two int8 per word.
  EXPECT_EQ(s.chips[0].words_in, (graph.FindTensor("input")->byte_size() + 1) / 2);
  const std::string table = FormatSummaryTable(s);
  EXPECT_THAT(table, HasSubstr("paper partition of mnist: 8 chips"));
  EXPECT_THAT(table, HasSubstr("layer5.finish"));
  const std::string json = FormatSummaryJson(s, p);
  EXPECT_THAT(json, HasSubstr("\"activation_peak_bytes\""));
  EXPECT_THAT(json, HasSubstr("\"STRATEGY_PAPER\""));
}

}  // namespace
}  // namespace illusion::partitioner
