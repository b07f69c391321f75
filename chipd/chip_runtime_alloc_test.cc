// ChipRuntime allocates the host-side storage of a slice's tensors once, at
// LoadSlice: a steady-state Execute only overwrites it. Counted with a global
// operator new replacement, so this test is its own binary.

#include <atomic>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "chipd/chip_runtime.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nn/executor.h"
#include "nn/ops.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_executor.h"
#include "tests/testing/reference_data.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<int64_t> news{0};
std::atomic<int64_t> new_bytes{0};
// Sizes of the counted allocations (the first kMaxSizes), for the message.
constexpr int kMaxSizes = 256;
std::size_t sizes[kMaxSizes];

void* Allocate(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) {
    const int64_t i = news.fetch_add(1, std::memory_order_relaxed);
    if (i < kMaxSizes) sizes[i] = size;
    new_bytes.fetch_add(static_cast<int64_t>(size), std::memory_order_relaxed);
  }
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace illusion::chipd {
namespace {

using nn::Workload;
using partitioner::Partition;

// Heap allocations (operator new calls and bytes) of one call.
struct Allocations {
  int64_t count = 0;
  int64_t bytes = 0;
};

template <typename F>
Allocations Count(F&& f) {
  news = 0;
  new_bytes = 0;
  counting = true;
  f();
  counting = false;
  return Allocations{news.load(), new_bytes.load()};
}

struct AllocCase {
  Workload workload;
  int chips;
  // Stream file under reference/illusion/<folder>.
  std::string json = "messages.json";
};

class ChipRuntimeAllocTest : public ::testing::TestWithParam<AllocCase> {};

// Every chip of the partition: a second Execute (same input) emits the
// reference stream again and allocates only the result's payloads plus a
// few blocks per step, nothing for the chip's tensors.
TEST_P(ChipRuntimeAllocTest, SteadyStateExecuteAllocatesNoTensorStorage) {
  REQUIRE_REFERENCE_DIR(ref);
  const AllocCase& c = GetParam();
  const std::string dir = ref + "/illusion/" + std::string(nn::ReferenceFolder(c.workload));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(c.workload));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights,
                       nn::LoadWeightsFromDir(graph, dir + "/weights",
                                              nn::WorkloadWeightLayout(c.workload)));
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(c.workload, c.chips));
  std::ifstream file(dir + "/" + c.json);
  ASSERT_TRUE(file.good());
  const nlohmann::json streams = nlohmann::json::parse(file).at("mode_illusion_io");
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, LoadChipModel("msp430_rram"));
  for (const partitioner::ChipSlice& slice : p.chips) {
    SCOPED_TRACE(absl::StrCat(nn::WorkloadName(c.workload), " chip ", slice.label));
    ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(slice.chip, model));
    ASSERT_OK_AND_ASSIGN(nn::Graph copy, partitioner::PaperGraph(c.workload));
    ASSERT_OK_AND_ASSIGN(
        SliceInfo info,
        chip->LoadSlice(SliceBundle{absl::StrCat(p.graph_name, "/chip ", slice.chip), p,
                                    std::move(copy), weights, slice.chip}));
    const nlohmann::json& s = streams.at(slice.label);
    ExecuteRequest request;
    request.stream = s.at("in_generated").get<Words>();
    const Words expected = s.at("out_generated").get<Words>();

    absl::StatusOr<ExecuteResult> first = chip->Execute(request);  // warm-up
    ASSERT_OK(first.status());
    EXPECT_EQ(first->out_stream, expected);
    absl::StatusOr<ExecuteResult> second;
    const Allocations a = Count([&] { second = chip->Execute(request); });
    ASSERT_OK(second.status());
    EXPECT_EQ(second->out_stream, expected);

    // The result's own payload blocks (out_stream and one per outbox
    // message) are allowed; everything else is bookkeeping (wake-up label,
    // step and cost vectors, power intervals) whose size depends on the
    // number of steps, not on tensor sizes. Before the tensors were created
    // at LoadSlice, SVHN chip 0 allocated 62 blocks and 99859 bytes here.
    const int64_t result_bytes = 2 * 2 * static_cast<int64_t>(expected.size());
    const int64_t steps = static_cast<int64_t>(slice.steps.size());
    std::string sizes_seen;
    for (int64_t i = 0; i < std::min<int64_t>(a.count, kMaxSizes); ++i) {
      absl::StrAppend(&sizes_seen, i > 0 ? " " : "", sizes[i]);
    }
    // Recorded in the test log (e.g. for the KWS LSTM chips' before/after).
    std::cout << nn::WorkloadName(c.workload) << " chip " << slice.label << ": " << steps
              << " steps, second Execute allocated " << a.count << " blocks, " << a.bytes
              << " bytes (" << a.bytes - result_bytes
              << " beyond the result payloads); sizes: " << sizes_seen << std::endl;
    EXPECT_LE(a.count, 32 + 4 * steps) << "allocation sizes: " << sizes_seen;
    EXPECT_LE(a.bytes - result_bytes, 1536 + 384 * steps)
        << a.bytes << " bytes; result payloads " << result_bytes
        << "; activation peak " << info.activation_peak_bytes << "; allocation sizes: "
        << sizes_seen;
  }
}

INSTANTIATE_TEST_SUITE_P(MnistSvhn, ChipRuntimeAllocTest,
                         ::testing::Values(AllocCase{Workload::kSvhn, 8},
                                           AllocCase{Workload::kMnist, 8},
                                           // The first step (no fc): every chip runs
                                           // its 10 LSTM units. Before the kLstmUnits
                                           // steps went through LstmStepUnitsInto, a
                                           // second Execute allocated 28 blocks, 1278
                                           // bytes per chip (chip 7: 1236); now 16
                                           // blocks, 802 bytes (chip 7: 760).
                                           AllocCase{Workload::kKwsLstm, 8,
                                                     "messages_first.json"}),
                         [](const auto& info) {
                           return absl::StrCat(nn::WorkloadName(info.param.workload), "_",
                                               info.param.chips, "chip");
                         });

// The LSTM ops' in-place APIs allocate nothing: the 40-step KWS LSTM op
// (its h/c state lives in the outputs), the one-step op for an 8-chip
// slice of units, and LstmStepUnitsInto (chipd's kLstmUnits steps).
TEST(ChipRuntimeAllocTest, LstmIntoApisAllocateNothing) {
  for (int steps : {1, 40}) {
    SCOPED_TRACE(absl::StrCat(steps, " steps"));
    nn::WorkloadOptions options;
    options.lstm_steps = steps;
    ASSERT_OK_AND_ASSIGN(nn::Graph graph, nn::BuildWorkloadGraph(Workload::kKwsLstm, options));
    const nn::WeightMap weights = nn::SeededWeights(graph, 5);
    const nn::Op& lstm = *graph.FindOp("lstm");
    ASSERT_OK_AND_ASSIGN(nn::OpIo io, nn::WeightsOf(lstm, weights));
    const nn::Tensor x = nn::SeededTensor(lstm.inputs()[0], 6, -64, 64);
    const nn::Tensor h = nn::SeededTensor(lstm.inputs()[1], 7, -64, 64);
    const nn::Tensor c = nn::SeededTensor(lstm.inputs()[2], 8, -2000, 2000);
    io.inputs = {&x, &h, &c};
    nn::Tensor h_out(nn::DType::kInt8, {80}, 4), c_out(nn::DType::kInt16, {80}, 8);
    nn::Tensor* outs[] = {&h_out, &c_out};
    std::vector<int32_t> scratch(lstm.ScratchElements(lstm.all_outputs()));
    const nn::Range units = steps == 1 ? nn::Range{30, 40} : lstm.all_outputs();
    absl::Status status;
    Allocations a = Count([&] {
      status = lstm.ExecuteOutputRangeInto(io, units, absl::MakeSpan(scratch), outs);
    });
    ASSERT_OK(status);
    EXPECT_EQ(a.count, 0) << a.bytes << " bytes";
    if (steps != 1) continue;
    a = Count([&] {
      status = nn::LstmStepUnitsInto(lstm, absl::MakeConstSpan(x.data<int8_t>(), 10), h, c, io,
                                     units, absl::MakeSpan(scratch), &h_out, &c_out);
    });
    ASSERT_OK(status);
    EXPECT_EQ(a.count, 0) << a.bytes << " bytes";
  }
}

// The d2nn NV chip 0 runs two wake-ups, the second resuming the first's
// tensors (persisted between Executes): a second round of both emits the
// partition executor's words again and allocates no tensor storage either.
TEST(ChipRuntimeAllocTest, ResumedWakeUpReusesPersistedTensors) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(Workload::kD2nn));
  const nn::WeightMap weights = nn::SeededWeights(graph, 5);
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kD2nn, 8, {true}));
  nn::TensorMap inputs;
  for (const nn::TensorSpec& spec : graph.inputs()) {
    nn::Tensor t(spec.dtype, spec.shape, spec.frac_bits);
    for (int64_t i = 0; i < t.byte_size(); ++i) t.data<uint8_t>()[i] = (i * 37 + 11) & 0x7F;
    inputs.emplace(spec.name, std::move(t));
  }
  ASSERT_OK_AND_ASSIGN(partitioner::PartitionRun run,
                       partitioner::ExecutePartition(p, graph, weights, inputs));
  ASSERT_OK_AND_ASSIGN(illusion::v1::ChipModel model, LoadChipModel("msp430_rram"));
  model.set_weight_nvm_bytes(1 << 15);
  model.set_activation_sram_bytes(1 << 15);
  ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(0, model));
  ASSERT_OK_AND_ASSIGN(nn::Graph copy, partitioner::PaperGraph(Workload::kD2nn));
  ASSERT_OK_AND_ASSIGN(SliceInfo info,
                       chip->LoadSlice(SliceBundle{"d2nn/nv/chip 0", p, std::move(copy),
                                                   weights, 0}));
  ASSERT_EQ(info.wake_ups.size(), 2u);
  std::vector<ExecuteRequest> requests;
  std::vector<Words> expected;
  std::vector<int64_t> steps;
  for (const std::string& label : info.wake_ups) {
    for (const partitioner::ChipSlice& c : p.chips) {
      if (c.label == label) steps.push_back(static_cast<int64_t>(c.steps.size()));
    }
    const partitioner::ChipRun* ran = run.Find(label);
    ASSERT_NE(ran, nullptr) << label;
    ExecuteRequest request;
    request.wake_up = label;
    request.stream = ran->in;
    requests.push_back(std::move(request));
    expected.push_back(ran->out);
  }
  for (int round = 0; round < 2; ++round) {
    for (size_t k = 0; k < requests.size(); ++k) {
      SCOPED_TRACE(absl::StrCat("round ", round, ", wake-up ", info.wake_ups[k]));
      absl::StatusOr<ExecuteResult> result;
      const Allocations a = Count([&] { result = chip->Execute(requests[k]); });
      ASSERT_OK(result.status());
      EXPECT_EQ(result->out_stream, expected[k]);
      if (round == 0) continue;  // warm-up
      const int64_t result_bytes = 2 * 2 * static_cast<int64_t>(expected[k].size());
      EXPECT_LE(a.count, 32 + 4 * steps[k]);
      EXPECT_LE(a.bytes - result_bytes, 1536 + 384 * steps[k]) << a.bytes << " bytes";
    }
  }
}

}  // namespace
}  // namespace illusion::chipd
