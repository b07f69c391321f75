#include "nn/graph_proto.h"

#include <google/protobuf/util/message_differencer.h>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/scaled_out_workloads.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;

class GraphProtoTest : public ::testing::TestWithParam<Workload> {};

// Rebuilds `graph` through the wire format and checks that both compute the
// same outputs on seeded weights and inputs.
void ExpectRoundTripComputesTheSame(const Graph& graph) {
  const illusion::v1::Graph proto = GraphToProto(graph);
  illusion::v1::Graph parsed;
  ASSERT_TRUE(parsed.ParseFromString(proto.SerializeAsString()));
  ASSERT_OK_AND_ASSIGN(Graph rebuilt, GraphFromProto(parsed));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(GraphToProto(rebuilt), proto));
  EXPECT_EQ(rebuilt.weight_bytes(), graph.weight_bytes());
  EXPECT_EQ(rebuilt.macs(), graph.macs());
  WeightMap weights = SeededWeights(graph, 5);
  TensorMap in;
  for (const TensorSpec& s : graph.inputs()) {
    // Word ids stay inside the vocabulary; everything else is seeded data.
    in[s.name] = s.dtype == DType::kInt32 ? SeededTensor(s, 6, 0, 3) : SeededTensor(s, 6, -16, 16);
  }
  ASSERT_OK_AND_ASSIGN(TensorMap a, ExecuteGraph(graph, weights, in));
  ASSERT_OK_AND_ASSIGN(TensorMap b, ExecuteGraph(rebuilt, weights, in));
  for (const std::string& out : graph.outputs()) {
    EXPECT_TRUE(a.at(out).SameValues(b.at(out))) << out;
  }
}

TEST_P(GraphProtoTest, RoundTripRebuildsAnEquivalentGraph) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildWorkloadGraph(GetParam()));
  ExpectRoundTripComputesTheSame(graph);
}

INSTANTIATE_TEST_SUITE_P(Workloads, GraphProtoTest,
                         ::testing::Values(Workload::kMnist, Workload::kSvhn,
                                           Workload::kD2nn, Workload::kKwsLstm),
                         [](const auto& info) {
                           return std::string(WorkloadName(info.param));
                         });

TEST(GraphProtoTest, ScaledOutCnnsRoundTrip) {
  for (ScaledOutNet net : AllScaledOutNets()) {
    SCOPED_TRACE(std::string(ScaledOutNetName(net)));
    ASSERT_OK_AND_ASSIGN(Graph graph, BuildScaledOutGraph(net, {/*channel_divisor=*/16}));
    const illusion::v1::Graph proto = GraphToProto(graph);
    for (const illusion::v1::Op& op : proto.ops()) {
      EXPECT_NE(op.kind(), illusion::v1::OP_KIND_UNSPECIFIED) << op.name();
    }
    ExpectRoundTripComputesTheSame(graph);
  }
}

TEST(GraphProtoTest, LstmLanguageModelRoundTrips) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildLstmLmGraph({/*vocabulary=*/4, /*dim=*/8,
                                                      /*hidden=*/6, /*projection=*/5}));
  const illusion::v1::Graph proto = GraphToProto(graph);
  int embeddings = 0, cells = 0;
  for (const illusion::v1::Op& op : proto.ops()) {
    embeddings += op.kind() == illusion::v1::OP_KIND_EMBEDDING;
    cells += op.kind() == illusion::v1::OP_KIND_LM_LSTM_CELL;
  }
  EXPECT_EQ(embeddings, 1);
  EXPECT_EQ(cells, 2);
  ExpectRoundTripComputesTheSame(graph);
}

TEST(GraphProtoTest, ScaledOutOpsWithBadAttributesAreRejected) {
  ASSERT_OK_AND_ASSIGN(Graph graph, BuildLstmLmGraph({4, 8, 6, 5}));
  illusion::v1::Graph proto = GraphToProto(graph);
  for (illusion::v1::Op& op : *proto.mutable_ops()) {
    if (op.kind() == illusion::v1::OP_KIND_EMBEDDING) (*op.mutable_int_attrs())["dim"] = -3;
  }
  EXPECT_THAT(GraphFromProto(proto),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim -3")));
}

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
