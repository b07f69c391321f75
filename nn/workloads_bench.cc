// Per-inference time of each workload's golden model on one core (Google
// Benchmark). Uses seeded weights and inputs: the arithmetic is the same as
// with the reference weights, so no reference data is needed.
//   bazel run -c opt //nn:workloads_bench

#include "benchmark/benchmark.h"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"

namespace illusion::nn {
namespace {

void BM_Inference(benchmark::State& state, Workload w) {
  absl::StatusOr<Graph> graph = BuildWorkloadGraph(w);
  if (!graph.ok()) {
    state.SkipWithError(std::string(graph.status().message()).c_str());
    return;
  }
  const WeightMap weights = SeededWeights(*graph, 1);
  TensorMap inputs;
  for (const TensorSpec& spec : graph->inputs()) {
    inputs[spec.name] = SeededTensor(spec, 2, -16, 16);
  }
  for (auto _ : state) {
    absl::StatusOr<TensorMap> out = ExecuteGraph(*graph, weights, inputs);
    benchmark::DoNotOptimize(out);
  }
  state.counters["MACs"] = static_cast<double>(graph->macs());
}

BENCHMARK_CAPTURE(BM_Inference, mnist, Workload::kMnist)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Inference, svhn, Workload::kSvhn)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Inference, d2nn, Workload::kD2nn)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Inference, kws_lstm_40_steps, Workload::kKwsLstm)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace illusion::nn

BENCHMARK_MAIN();
