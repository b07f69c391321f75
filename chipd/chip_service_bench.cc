// Per-Execute overhead of the gRPC path over the in-process core, for the
// SVHN 8-chip slice of chip 2 (partial sums of fc1 over inputs 0..76):
//   BM_InProcessExecute: ChipRuntime::Execute directly;
//   BM_GrpcExecute:      the same request through ChipService on a loopback
//                        socket (proto conversion on both sides included).
// Overhead = the difference of the two times. Target: < 100 us per call.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "benchmark/benchmark.h"
#include "chipd/chip_model.h"
#include "chipd/chip_proto.h"
#include "chipd/chip_service.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_executor.h"

namespace illusion::chipd {
namespace {

constexpr int kChip = 2;

// One loaded runtime and the request its reference stream gives.
struct Fixture {
  std::unique_ptr<ChipRuntime> runtime;
  ExecuteRequest request;

  static Fixture Make() {
    Fixture f;
    nn::Graph graph = *partitioner::PaperGraph(nn::Workload::kSvhn);
    nn::WeightMap weights = nn::SeededWeights(graph, 5);
    nn::TensorMap inputs;
    inputs.emplace(nn::kInputTensor,
                   nn::SeededTensor(*graph.FindTensor(nn::kInputTensor), 6, -100, 100));
    partitioner::Partition p = *partitioner::PaperPartitionFor(nn::Workload::kSvhn, 8);
    partitioner::PartitionRun run = *partitioner::ExecutePartition(p, graph, weights, inputs);
    f.runtime = *ChipRuntime::Create(kChip, *LoadChipModel("msp430_rram"));
    (void)f.runtime->LoadSlice(SliceBundle{"svhn/chip 2", p, std::move(graph), weights, kChip});
    f.request.stream = run.chips[kChip].in;
    return f;
  }
};

void BM_InProcessExecute(benchmark::State& state) {
  Fixture f = Fixture::Make();
  for (auto _ : state) {
    absl::StatusOr<ExecuteResult> r = f.runtime->Execute(f.request);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_InProcessExecute)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_GrpcExecute(benchmark::State& state) {
  Fixture f = Fixture::Make();
  ChipServiceImpl service(f.runtime.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = illusion::v1::ChipService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  for (auto _ : state) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    illusion::v1::ExecuteResponse response;
    grpc::Status s = stub->Execute(&context, ExecuteRequestToProto(f.request), &response);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
    absl::StatusOr<ExecuteResult> r = ExecuteResultFromProto(response);
    benchmark::DoNotOptimize(r);
  }
  server->Shutdown(std::chrono::system_clock::now());
}
BENCHMARK(BM_GrpcExecute)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace illusion::chipd
