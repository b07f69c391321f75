// Real chipd processes on loopback ports: eight daemons each load their
// slice of the paper's MNIST 8-chip partition over gRPC and, fed the input
// stream the in-process executor computes, emit exactly its output stream.
// Health, graceful SIGTERM and a daemon that fails to start are checked too.

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "chipd/chip_proto.h"
#include "chipd/chipd_launcher.h"
#include "common/grpc_status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_executor.h"
#include "proto/grpc/health/v1/health.grpc.pb.h"
#include "proto/illusion/v1/chip.grpc.pb.h"

namespace illusion {
namespace {

using ::illusion::common::FromGrpcStatus;
using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
namespace pb = ::illusion::v1;

constexpr char kChipd[] = "chipd/chipd";

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return c;
}

TEST(ChipdProcessTest, EightDaemonsReproduceTheInProcessStreams) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(nn::Workload::kMnist));
  const nn::WeightMap weights = nn::SeededWeights(graph, 21);
  nn::TensorMap inputs;
  inputs.emplace(nn::kInputTensor,
                 nn::SeededTensor(*graph.FindTensor(nn::kInputTensor), 22, -100, 100));
  ASSERT_OK_AND_ASSIGN(partitioner::Partition p,
                       partitioner::PaperPartitionFor(nn::Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(partitioner::PartitionRun expected,
                       partitioner::ExecutePartition(p, graph, weights, inputs));
  ASSERT_EQ(expected.chips.size(), 8u);

  std::vector<std::unique_ptr<chipd::ChipdProcess>> daemons;
  for (int k = 0; k < 8; ++k) {
    chipd::LaunchOptions options;
    options.binary = kChipd;
    options.chip_id = k;
    ASSERT_OK_AND_ASSIGN(auto d, chipd::ChipdProcess::Start(options));
    daemons.push_back(std::move(d));
  }
  for (int k = 0; k < 8; ++k) {
    auto channel = grpc::CreateChannel(daemons[k]->address(), grpc::InsecureChannelCredentials());
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::health::v1::HealthCheckResponse serving;
    ASSERT_OK(FromGrpcStatus(
        health->Check(Context().get(), grpc::health::v1::HealthCheckRequest(), &serving)));
    EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);

    auto stub = pb::ChipService::NewStub(channel);
    chipd::SliceBundle bundle{absl::StrCat("mnist/chip ", k), p,
                              *partitioner::PaperGraph(nn::Workload::kMnist), weights, k};
    pb::LoadSliceResponse loaded;
    ASSERT_OK(FromGrpcStatus(
        stub->LoadSlice(Context().get(), chipd::SliceBundleToProto(bundle), &loaded)));
    EXPECT_EQ(loaded.slice().weight_bytes(), p.chips[k].weight_bytes);

    chipd::ExecuteRequest request;
    request.stream = expected.chips[k].in;
    pb::ExecuteResponse response;
    ASSERT_OK(FromGrpcStatus(
        stub->Execute(Context().get(), chipd::ExecuteRequestToProto(request), &response)));
    ASSERT_OK_AND_ASSIGN(chipd::ExecuteResult result, chipd::ExecuteResultFromProto(response));
    EXPECT_EQ(result.out_stream, expected.chips[k].out) << "chip " << k;
  }
  for (auto& d : daemons) {
    ASSERT_OK_AND_ASSIGN(int status, d->Stop(SIGTERM, std::chrono::seconds(5)));
    EXPECT_TRUE(WIFEXITED(status)) << "chip " << d->chip_id() << " status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "chip " << d->chip_id();
    EXPECT_THAT(d->Stderr(), HasSubstr("shutting down"));
  }
}

TEST(ChipdProcessTest, ADaemonThatCannotStartIsReportedWithItsStderr) {
  chipd::LaunchOptions options;
  options.binary = kChipd;
  options.chip_id = 3;
  options.chip_model = "no_such_model";
  EXPECT_THAT(chipd::ChipdProcess::Start(options),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::AllOf(HasSubstr("chip 3"), HasSubstr("no_such_model"))));
  options.binary = "chipd/not_there";
  EXPECT_THAT(chipd::ChipdProcess::Start(options), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace illusion
