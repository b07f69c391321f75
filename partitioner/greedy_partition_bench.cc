// Benchmarks GreedyPartition (including the message model) on the paper's
// scaled-out workloads.
//
//   BM_PaperSweep:   every net part (alex_net, vgg_net, resnet50,
//                    lstm_langmod, lstm_langmod_1) at every memsize of the
//                    paper's sweep, 0.25 to 2048 MiB (5 x 14 = 70 partitions
//                    per iteration): the total time of the whole sweep.
//   BM_NetPart/<part>/<mib x 4>: one net part at one memsize.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "partitioner/greedy_partition.h"
#include "partitioner/scaled_out_layers.h"

namespace illusion::partitioner {
namespace {

std::vector<std::vector<LayerDesc>> AllNetParts() {
  std::vector<std::vector<LayerDesc>> parts;
  for (const char* name : ScaledOutNetPartNames()) {
    parts.push_back(*ScaledOutNetPart(name));
  }
  return parts;
}

void BM_PaperSweep(benchmark::State& state) {
  const std::vector<std::vector<LayerDesc>> parts = AllNetParts();
  int64_t chips = 0;
  for (auto _ : state) {
    chips = 0;
    for (const std::vector<LayerDesc>& layers : parts) {
      for (double mib : PaperSweepMemsizesMiB()) {
        GreedyOptions options;
        options.memsize_mib = mib;
        absl::StatusOr<GreedyPlan> plan = GreedyPartition(layers, options);
        if (!plan.ok()) {
          state.SkipWithError(std::string(plan.status().message()).c_str());
          return;
        }
        chips += plan->num_chips;
        benchmark::DoNotOptimize(plan->messages.total);
      }
    }
  }
  state.counters["partitions"] =
      static_cast<double>(parts.size() * PaperSweepMemsizesMiB().size());
  state.counters["chips"] = static_cast<double>(chips);
}
BENCHMARK(BM_PaperSweep)->Unit(benchmark::kMillisecond);

// Arguments: net-part index, memsize in quarter MiB.
void BM_NetPart(benchmark::State& state) {
  const std::vector<LayerDesc> layers =
      *ScaledOutNetPart(ScaledOutNetPartNames()[state.range(0)]);
  GreedyOptions options;
  options.memsize_mib = static_cast<double>(state.range(1)) / 4.0;
  for (auto _ : state) {
    absl::StatusOr<GreedyPlan> plan = GreedyPartition(layers, options);
    benchmark::DoNotOptimize(plan);
  }
  state.SetLabel(ScaledOutNetPartNames()[state.range(0)]);
}
BENCHMARK(BM_NetPart)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 16, 8192}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace illusion::partitioner
