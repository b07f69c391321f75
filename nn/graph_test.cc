#include "nn/graph.h"

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

TEST(WorkloadGraphTest, WeightBytesMatchThePaper) {
  // workloads.md: mnist 3648 B, svhn 31160 B, d2nn 30850 B, lstm 30011 B.
  const std::map<Workload, int64_t> expected = {{Workload::kMnist, 3648},
                                                {Workload::kSvhn, 31160},
                                                {Workload::kD2nn, 30850},
                                                {Workload::kKwsLstm, 30011}};
  for (const auto& [w, bytes] : expected) {
    ASSERT_OK_AND_ASSIGN(Graph g, BuildWorkloadGraph(w));
    EXPECT_EQ(g.weight_bytes(), bytes) << WorkloadName(w);
    int64_t per_op = 0;
    for (const auto& op : g.ops()) per_op += op->weight_bytes();
    EXPECT_EQ(per_op, bytes) << WorkloadName(w);
  }
}

TEST(WorkloadGraphTest, OpsReportShapesAndMacs) {
  ASSERT_OK_AND_ASSIGN(Graph g, BuildWorkloadGraph(Workload::kMnist));
  const Op* conv1 = g.FindOp("layer1");
  ASSERT_NE(conv1, nullptr);
  EXPECT_EQ(conv1->macs(), 6 * 25 * 24 * 24);
  EXPECT_EQ(conv1->activation_bytes(), 784 + 864);
  EXPECT_EQ(g.FindTensor("conv4")->shape, (Shape{24, 2, 2}));
  EXPECT_EQ(g.FindOp("layer5")->macs(), 960);
  ASSERT_OK_AND_ASSIGN(Graph lstm, BuildWorkloadGraph(Workload::kKwsLstm));
  EXPECT_EQ(lstm.FindOp("lstm")->macs(), 40 * 320 * 90);
}

TEST(WorkloadGraphTest, D2nnTakesExactlyOneBranch) {
  ASSERT_OK_AND_ASSIGN(Graph g, BuildWorkloadGraph(Workload::kD2nn));
  WeightMap weights = SeededWeights(g, 42);
  int high = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    TensorMap in;
    in[kInputTensor] = SeededTensor(*g.FindTensor(kInputTensor), seed, -16, 16);
    ASSERT_OK_AND_ASSIGN(TensorMap env, ExecuteGraph(g, weights, in));
    const bool is_high = env.at(kPathTensor).at(0) == 1;
    high += is_high;
    EXPECT_EQ(env.count("n2_fc3") > 0, is_high);
    EXPECT_EQ(env.count("n3_fc2") > 0, !is_high);
    const Tensor& q = env.at("q_fc2");
    EXPECT_EQ(is_high, q.at(0) > q.at(1));
  }
}

TEST(GraphBuilderTest, RejectsUnknownTensorsAndDoubleWrites) {
  GraphBuilder b("g");
  b.AddInput(TensorSpec{"in", DType::kInt8, {4}, 4});
  b.Argmax("a", "missing", "out");
  EXPECT_THAT(b.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("op 'a' reads unknown tensor 'missing'")));
  GraphBuilder c("g");
  c.AddInput(TensorSpec{"in", DType::kInt8, {4}, 4});
  c.Argmax("a", "in", "out");
  c.Argmax("b", "in", "out");
  EXPECT_THAT(c.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("tensor 'out' is written twice")));
}

TEST(ExecutorTest, MissingOrMisshapedInputsAreNamed) {
  ASSERT_OK_AND_ASSIGN(Graph g, BuildWorkloadGraph(Workload::kSvhn));
  WeightMap weights = SeededWeights(g, 1);
  EXPECT_THAT(ExecuteGraph(g, weights, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input 'input' (int8 [3, 32, 32]) is missing")));
  TensorMap in;
  in[kInputTensor] = Tensor(DType::kInt8, {1, 28, 28});
  EXPECT_THAT(ExecuteGraph(g, weights, in),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be int8 [3, 32, 32]; got int8 [1, 28, 28]")));
  weights.erase("layer6_B");
  in[kInputTensor] = Tensor(DType::kInt8, {3, 32, 32});
  EXPECT_THAT(ExecuteGraph(g, weights, in),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'layer6_B'")));
}

TEST(WorkloadNamesTest, ParseAcceptsAliasesAndListsValidNames) {
  ASSERT_OK_AND_ASSIGN(Workload w, ParseWorkload("lstm"));
  EXPECT_EQ(w, Workload::kKwsLstm);
  EXPECT_THAT(ParseWorkload("resnet"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected mnist, svhn, d2nn or kws_lstm")));
}

}  // namespace
}  // namespace illusion::nn
