#include "nn/graph_proto.h"

#include <google/protobuf/util/message_differencer.h>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

class GraphProtoTest : public ::testing::TestWithParam<Workload> {};

TEST_P(GraphProtoTest, RoundTripRebuildsAnEquivalentGraph) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(GetParam()));
  const illusion::v1::Graph proto = GraphToProto(graph);
  // Through the wire format, as a service would send it.
  illusion::v1::Graph parsed;
  ASSERT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
  ASSERT_OK_AND_ASSIGN(Graph rebuilt, GraphFromProto(parsed));
  // Field by field (map fields have no defined wire order).
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(GraphToProto(rebuilt), proto));
  EXPECT_EQ(rebuilt.weight_bytes(), graph.weight_bytes());
  EXPECT_EQ(rebuilt.macs(), graph.macs());
  // Both compute the same class on the same seeded weights and input.
  WeightMap weights = SeededWeights(graph, 3);
  TensorMap in;
  for (const TensorSpec& s : graph.inputs()) in[s.name] = SeededTensor(s, 4, -16, 16);
  ASSERT_OK_AND_ASSIGN(TensorMap a, ExecuteGraph(graph, weights, in));
  ASSERT_OK_AND_ASSIGN(TensorMap b, ExecuteGraph(rebuilt, weights, in));
  EXPECT_TRUE(a.at(kClassTensor).SameValues(b.at(kClassTensor)));
}

INSTANTIATE_TEST_SUITE_P(Workloads, GraphProtoTest,
                         ::testing::Values(Workload::kMnist, Workload::kSvhn,
                                           Workload::kD2nn, Workload::kKwsLstm),
                         [](const auto& info) {
                           return std::string(WorkloadName(info.param));
                         });

TEST(GraphProtoTest, D2nnGuardsSurviveTheRoundTrip) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kD2nn));
  const illusion::v1::Graph proto = GraphToProto(graph);
  int guarded = 0;
  for (const auto& op : proto.ops()) guarded += op.has_guard();
  EXPECT_EQ(guarded, 9);  // 3 low-path ops + 6 high-path ops
}

TEST(GraphProtoTest, MalformedProtosGetNamedErrors) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(Workload::kMnist));
  illusion::v1::Graph proto = GraphToProto(graph);
  proto.mutable_ops(1)->mutable_int_attrs()->erase("kernel");
  EXPECT_THAT(GraphFromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("op 'layer2' lacks attribute 'kernel'")));
  proto = GraphToProto(graph);
  proto.mutable_ops(0)->set_kind(illusion::v1::OP_KIND_UNSPECIFIED);
  EXPECT_THAT(GraphFromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("op 'layer1' has unknown kind 0")));
}

TEST(TensorProtoTest, RoundTripsAndRejectsSizeMismatch) {
  Tensor t = Tensor::FromValues(DType::kInt16, {2, 2}, {1, -2, 300, -400}, 4);
  illusion::v1::Tensor proto;
  TensorToProto("t", t, &proto);
  ASSERT_OK_AND_ASSIGN(Tensor back, TensorFromProto(proto));
  EXPECT_TRUE(back.SameValues(t));
  EXPECT_EQ(back.frac_bits(), 4);
  proto.mutable_data()->pop_back();
  EXPECT_THAT(TensorFromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("tensor 't': tensor int16 [2, 2] needs 8 bytes; got 7")));
  proto.set_dtype(illusion::v1::DTYPE_UNSPECIFIED);
  EXPECT_THAT(TensorFromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("dtype 0 is not")));
}

}  // namespace
}  // namespace illusion::nn
