// Insert throughput of the trace store: batches of messages, power intervals
// and layer executions appended to one run of a file-backed store (WAL,
// synchronous=NORMAL), one transaction per batch as the coordinator does.
// The "rows" counter is rows per wall-clock second; the target is >= 200,000.
//
//   bazel run -c opt //store:trace_store_bench

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::store {
namespace {

constexpr int kChips = 8;

// A fresh store file in a private temp directory, removed afterwards.
class BenchStore {
 public:
  BenchStore() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/trace_bench_XXXXXX");
    dir_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    path_ = absl::StrCat(dir_, "/traces.db");
    auto store = TraceStore::Open(path_);
    if (!store.ok()) return;
    store_ = *std::move(store);
    auto experiment = store_->CreateExperiment("bench", "{}");
    auto run = store_->StartRun(
        {experiment.value_or(0), "paper", "in_process", "sequential", kChips});
    run_ = run.value_or(-1);
  }
  ~BenchStore() {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove(absl::StrCat(path_, suffix).c_str());
    }
    rmdir(dir_.c_str());
  }
  bool ok() const { return store_ != nullptr && run_ > 0; }
  TraceStore& store() { return *store_; }
  int64_t run() const { return run_; }

 private:
  std::string dir_;
  std::string path_;
  std::unique_ptr<TraceStore> store_;
  int64_t run_ = -1;
};

template <typename Append>
void RunBatches(benchmark::State& state, Append append) {
  BenchStore bench;
  if (!bench.ok()) {
    state.SkipWithError("cannot open the bench store");
    return;
  }
  const int64_t batch = state.range(0);
  int64_t rows = 0;
  int64_t iteration = 0;
  for (auto _ : state) {
    const absl::Status status = append(bench, batch, iteration++);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    rows += batch;
  }
  state.counters["rows"] = benchmark::Counter(static_cast<double>(rows),
                                              benchmark::Counter::kIsRate);
}

void BM_AppendMessages(benchmark::State& state) {
  std::vector<MessageRecord> messages(state.range(0));
  for (size_t i = 0; i < messages.size(); ++i) {
    messages[i] = {0,
                   static_cast<int64_t>(i),
                   static_cast<int>(i % kChips) - 1,
                   static_cast<int>(i % kChips),
                   64,
                   128,
                   1e-3 * i,
                   1e-3 * i + 1e-4,
                   2e-9};
  }
  RunBatches(state, [&](BenchStore& bench, int64_t, int64_t iteration) {
    // (inference, seq) is the key: each batch is its own inference.
    for (MessageRecord& m : messages) m.inference = iteration;
    return bench.store().AppendMessages(bench.run(), messages);
  });
}
BENCHMARK(BM_AppendMessages)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_AppendPowerIntervals(benchmark::State& state) {
  std::vector<PowerIntervalRecord> intervals(state.range(0));
  for (size_t i = 0; i < intervals.size(); ++i) {
    intervals[i] = {static_cast<int64_t>(i / 100),
                    static_cast<int>(i % kChips),
                    i % 2 ? "sleep" : "active",
                    1e-3 * i,
                    1e-3 * i + 1e-4,
                    1e-6};
  }
  RunBatches(state, [&](BenchStore& bench, int64_t, int64_t) {
    return bench.store().AppendPowerIntervals(bench.run(), intervals);
  });
}
BENCHMARK(BM_AppendPowerIntervals)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_AppendLayerExecutions(benchmark::State& state) {
  std::vector<LayerExecutionRecord> layers(state.range(0));
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i] = {static_cast<int64_t>(i / 100),
                 static_cast<int>(i % kChips),
                 "conv2d_1",
                 0,
                 16,
                 123456,
                 1e-3 * i,
                 1e-3 * i + 1e-4,
                 1e-6};
  }
  RunBatches(state, [&](BenchStore& bench, int64_t, int64_t) {
    return bench.store().AppendLayerExecutions(bench.run(), layers);
  });
}
BENCHMARK(BM_AppendLayerExecutions)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace illusion::store
