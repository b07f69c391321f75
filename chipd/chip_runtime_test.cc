// ChipRuntime without gRPC: per-chip reference streams of the paper's MNIST
// and SVHN 4- and 8-chip partitions, memory budgets, the power state machine
// and bad input.

#include "chipd/chip_runtime.h"

#include <fstream>
#include <string>
#include <thread>

#include "chipd/chip_model.h"
#include "chipd/nvm_wear.h"
#include "endurer/mode.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "tests/testing/reference_data.h"

namespace illusion::chipd {
namespace {

using ::illusion::common::StatusIs;
using ::testing::HasSubstr;
using nn::Workload;
using partitioner::Partition;

illusion::v1::ChipModel Msp430() {
  absl::StatusOr<illusion::v1::ChipModel> m = LoadChipModel("msp430_rram");
  EXPECT_OK(m.status());
  return *m;
}

SliceBundle Bundle(const Partition& p, const nn::Graph& g, const nn::WeightMap& w, int chip) {
  absl::StatusOr<nn::Graph> copy = partitioner::PaperGraph(
      *nn::ParseWorkload(p.graph_name));
  EXPECT_OK(copy.status());
  return SliceBundle{absl::StrCat(p.graph_name, "/chip ", chip), p, *std::move(copy), w, chip};
}

struct StreamCase {
  Workload workload;
  int chips;
  std::string folder;
};

class ReferenceStreamTest : public ::testing::TestWithParam<StreamCase> {};

// Each chip, loaded with its slice and fed the reference input stream, emits
// exactly the reference output stream.
TEST_P(ReferenceStreamTest, EveryChipEmitsTheReferenceStream) {
  REQUIRE_REFERENCE_DIR(ref);
  const StreamCase& c = GetParam();
  const std::string dir = ref + "/illusion/" + std::string(nn::ReferenceFolder(c.workload));
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(c.workload));
  ASSERT_OK_AND_ASSIGN(nn::WeightMap weights,
                       nn::LoadWeightsFromDir(graph, dir + "/weights",
                                              nn::WorkloadWeightLayout(c.workload)));
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(c.workload, c.chips));
  std::ifstream file(dir + "/messages.json");
  ASSERT_TRUE(file.good());
  const nlohmann::json streams = nlohmann::json::parse(file).at(c.folder);
  int checked = 0;
  for (const partitioner::ChipSlice& slice : p.chips) {
    SCOPED_TRACE(absl::StrCat(nn::WorkloadName(c.workload), " ", c.chips, "-chip, chip ",
                              slice.label));
    illusion::v1::ChipModel model = Msp430();
    if (slice.weight_bytes > model.weight_nvm_bytes()) {
      // The paper's 4-chip mode emulates bigger chips (workloads.md §2.3):
      // the real chip refuses the slice; a bigger one runs it.
      ASSERT_OK_AND_ASSIGN(auto small, ChipRuntime::Create(slice.chip, model));
      EXPECT_THAT(small->LoadSlice(Bundle(p, graph, weights, slice.chip)),
                  StatusIs(absl::StatusCode::kResourceExhausted,
                           HasSubstr(absl::StrCat("needs ", slice.weight_bytes,
                                                  " weight bytes; chip model 'msp430_rram' "
                                                  "has 4096 bytes"))));
      model.set_weight_nvm_bytes(slice.weight_bytes);
    }
    ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(slice.chip, model));
    ASSERT_OK_AND_ASSIGN(SliceInfo info, chip->LoadSlice(Bundle(p, graph, weights, slice.chip)));
    EXPECT_EQ(info.weight_bytes, slice.weight_bytes);
    EXPECT_GT(info.activation_peak_bytes, 0);
    EXPECT_LE(info.activation_peak_bytes, model.activation_sram_bytes());
    const nlohmann::json& s = streams.at(slice.label);
    ExecuteRequest request;
    request.stream = s.at("in_generated").get<Words>();
    ASSERT_OK_AND_ASSIGN(ExecuteResult result, chip->Execute(request));
    EXPECT_EQ(result.out_stream, s.at("out_generated").get<Words>());
    EXPECT_EQ(result.words_in, static_cast<int64_t>(request.stream->size()));
    EXPECT_GT(result.cycles.total(), 0);
    EXPECT_GT(result.energy.active_j, 0);
    ++checked;
  }
  EXPECT_EQ(checked, c.chips);
}

INSTANTIATE_TEST_SUITE_P(
    MnistSvhn, ReferenceStreamTest,
    ::testing::Values(StreamCase{Workload::kMnist, 4, "mode_illusion_sm_io"},
                      StreamCase{Workload::kMnist, 8, "mode_illusion_io"},
                      StreamCase{Workload::kSvhn, 4, "mode_illusion_sm_io"},
                      StreamCase{Workload::kSvhn, 8, "mode_illusion_io"}),
    [](const auto& info) {
      return absl::StrCat(nn::WorkloadName(info.param.workload), "_", info.param.chips, "chip");
    });

// Seeded weights: a chip's outbox (by messages) equals its stream output.
class SeededChipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(graph_, partitioner::PaperGraph(Workload::kMnist));
    weights_ = nn::SeededWeights(graph_, 3);
    ASSERT_OK_AND_ASSIGN(p_, partitioner::PaperPartitionFor(Workload::kMnist, 8));
  }
  std::unique_ptr<ChipRuntime> Chip(int k, ChipRuntimeOptions options = {}) {
    auto chip = ChipRuntime::Create(k, Msp430(), options);
    EXPECT_OK(chip.status());
    EXPECT_OK((*chip)->LoadSlice(Bundle(p_, graph_, weights_, k)).status());
    return *std::move(chip);
  }
  // Chip 1 of MNIST 8-chip reads conv2 (300 words) from chip 0.
  InboundMessage FromChip0() {
    return InboundMessage{-1, 0, Words(300, 0x0102)};
  }
  nn::Graph graph_ = *partitioner::PaperGraph(Workload::kMnist);
  nn::WeightMap weights_;
  Partition p_;
};

TEST_F(SeededChipTest, InboxAndStreamGiveTheSameOutput) {
  auto a = Chip(1);
  auto b = Chip(1);
  ExecuteRequest by_inbox;
  by_inbox.inbox.push_back(FromChip0());
  ASSERT_OK_AND_ASSIGN(ExecuteResult r1, a->Execute(by_inbox));
  ExecuteRequest by_stream;
  by_stream.stream = partitioner::ChipInputStream(p_.chips[1].mode_word, FromChip0().payload);
  ASSERT_OK_AND_ASSIGN(ExecuteResult r2, b->Execute(by_stream));
  EXPECT_EQ(r1.out_stream, r2.out_stream);
  ASSERT_EQ(r1.outbox.size(), 4u);  // conv3 to chips 2..5
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(r1.outbox[j].destination, 2 + j);
    EXPECT_EQ(r1.outbox[j].header, p_.chips[2 + j].mode_word);
    EXPECT_EQ(r1.outbox[j].payload.size(), 64u);
  }
}

TEST_F(SeededChipTest, WithoutTheOutStreamTheOutboxAndCountsAreUnchanged) {
  auto a = Chip(1);
  auto b = Chip(1);
  ExecuteRequest with;
  with.inbox.push_back(FromChip0());
  ExecuteRequest without = with;
  without.return_out_stream = false;
  ASSERT_OK_AND_ASSIGN(ExecuteResult r1, a->Execute(with));
  ASSERT_OK_AND_ASSIGN(ExecuteResult r2, b->Execute(without));
  EXPECT_EQ(r1.out_stream.size(), 4u * (1 + 64));  // header + conv3 part, chips 2..5
  EXPECT_TRUE(r2.out_stream.empty());
  EXPECT_EQ(r2.words_out, r1.words_out);
  EXPECT_EQ(r2.words_out, static_cast<int64_t>(r1.out_stream.size()));
  EXPECT_EQ(r2.words_in, r1.words_in);
  EXPECT_EQ(r2.end_ns, r1.end_ns);
  EXPECT_EQ(r2.energy.total_j(), r1.energy.total_j());
  ASSERT_EQ(r2.outbox.size(), r1.outbox.size());
  for (size_t j = 0; j < r1.outbox.size(); ++j) {
    EXPECT_EQ(r2.outbox[j].destination, r1.outbox[j].destination);
    EXPECT_EQ(r2.outbox[j].payload, r1.outbox[j].payload);
  }
}

TEST_F(SeededChipTest, PowerIntervalsAndEnergyAddUp) {
  auto chip = Chip(1);
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  request.start_ns = 1'000'000;  // 1 ms asleep first
  ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
  ASSERT_GE(r.intervals.size(), 4u);
  EXPECT_EQ(r.intervals.front().state, PowerState::kOff);
  EXPECT_EQ(r.intervals.front().end_ns, 1'000'000);
  std::vector<PowerState> states;
  for (const PowerInterval& i : r.intervals) states.push_back(i.state);
  EXPECT_THAT(states, ::testing::ElementsAre(PowerState::kOff, PowerState::kWaking,
                                             PowerState::kActive, PowerState::kShuttingDown));
  for (size_t i = 1; i < r.intervals.size(); ++i) {
    EXPECT_EQ(r.intervals[i].start_ns, r.intervals[i - 1].end_ns);
  }
  double interval_energy = 0;
  for (const PowerInterval& i : r.intervals) interval_energy += i.energy_j;
  EXPECT_NEAR(interval_energy, r.energy.active_j + r.energy.sleep_j + r.energy.wakeup_j +
                                   r.energy.shutdown_j,
              1e-15);
  const illusion::v1::ChipModel m = Msp430();
  EXPECT_NEAR(r.energy.sleep_j, 1e-3 * m.sleep_power_w(), 1e-15);
  EXPECT_EQ(chip->stats().state, PowerState::kOff);
  EXPECT_EQ(chip->stats().executions, 1);
  // A start time in the past is refused and changes nothing.
  request.start_ns = 10;
  EXPECT_THAT(chip->Execute(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before the chip's clock")));
  EXPECT_EQ(chip->stats().executions, 1);
}

TEST_F(SeededChipTest, AutoWakeOffNeedsExplicitWake) {
  ChipRuntimeOptions options;
  options.auto_wake = false;
  auto chip = Chip(1, options);
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  EXPECT_THAT(chip->Execute(request),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("auto-wake is off")));
  ASSERT_OK(chip->Wake());
  EXPECT_THAT(chip->Wake(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
  EXPECT_EQ(r.outbox.size(), 4u);
  EXPECT_EQ(chip->stats().state, PowerState::kOff);
  EXPECT_THAT(chip->Sleep(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SeededChipTest, BadInboxIsInvalidAndTheChipKeepsWorking) {
  auto chip = Chip(1);
  ExecuteRequest unknown_source;
  unknown_source.inbox.push_back(InboundMessage{-1, 5, Words(300, 0)});
  EXPECT_THAT(chip->Execute(unknown_source),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected inbox message -1 from chip 5; expected message")));
  ExecuteRequest short_message;
  short_message.inbox.push_back(InboundMessage{-1, 0, Words(299, 0)});
  EXPECT_THAT(chip->Execute(short_message), StatusIs(absl::StatusCode::kInvalidArgument,
                                                     HasSubstr("needs 300 words")));
  ExecuteRequest long_message;
  long_message.inbox.push_back(InboundMessage{-1, 0, Words(301, 0)});
  EXPECT_THAT(chip->Execute(long_message),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 payload words left")));
  ExecuteRequest huge;
  huge.inbox.push_back(InboundMessage{-1, 0, Words((1 << 20) + 1, 0)});
  EXPECT_THAT(chip->Execute(huge),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the limit is 1048576")));
  ExecuteRequest wrong_label;
  wrong_label.wake_up = "7";
  EXPECT_THAT(chip->Execute(wrong_label),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no wake-up '7'")));
  EXPECT_EQ(chip->stats().executions, 0);
  EXPECT_EQ(chip->stats().state, PowerState::kOff);
  ExecuteRequest good;
  good.inbox.push_back(FromChip0());
  EXPECT_OK(chip->Execute(good).status());
}

TEST_F(SeededChipTest, MalformedSlicesAreRefused) {
  ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(1, Msp430()));
  EXPECT_THAT(chip->Execute({}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("no slice loaded")));
  SliceBundle no_chip = Bundle(p_, graph_, weights_, 12);
  EXPECT_THAT(chip->LoadSlice(std::move(no_chip)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no wake-up of chip 12")));
  SliceBundle unknown_op = Bundle(p_, graph_, weights_, 1);
  unknown_op.partition.chips[1].steps[0].op = "layer9";
  EXPECT_THAT(chip->LoadSlice(std::move(unknown_op)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown op 'layer9'")));
  SliceBundle missing_weight = Bundle(p_, graph_, {}, 1);
  EXPECT_THAT(chip->LoadSlice(std::move(missing_weight)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("which was not given")));
  SliceBundle bad_weight = Bundle(p_, graph_, weights_, 1);
  const std::string w = graph_.FindOp("layer3")->weights()[0].name;
  bad_weight.weights[w] = nn::Tensor(nn::DType::kInt8, {3}, 0);
  EXPECT_THAT(chip->LoadSlice(std::move(bad_weight)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("weight '", w, "' is"))));
  EXPECT_FALSE(chip->slice_info().has_value());
}

TEST_F(SeededChipTest, SramBudgetIsEnforced) {
  illusion::v1::ChipModel tiny = Msp430();
  tiny.set_activation_sram_bytes(256);
  ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(1, tiny));
  EXPECT_THAT(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("activation bytes at its peak; chip model 'msp430_rram' has "
                                 "256 bytes of SRAM")));
}

TEST_F(SeededChipTest, ActivationsInNvmAreWrittenThroughTheWritePath) {
  ChipRuntimeOptions options;
  options.activations_in_nvm = true;
  auto chip = Chip(1, options);
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
  const SliceInfo info = *chip->slice_info();
  int64_t writes = 0;
  for (const auto& [address, count] : r.nvm_writes) {
    EXPECT_GE(address, Msp430().weight_nvm_bytes() / 2);
    writes += count;
  }
  // conv2 (600 B) and conv3 (128 B), once each.
  EXPECT_EQ(writes, (graph_.FindTensor("conv2")->byte_size() +
                     graph_.FindTensor("conv3")->byte_size()) / 2);
  EXPECT_GT(r.energy.nvm_write_j, 0);
  EXPECT_EQ(chip->stats().nvm_writes, writes);
  ASSERT_OK_AND_ASSIGN(ExecuteResult again, chip->Execute(request));
  EXPECT_EQ(chip->stats().nvm_writes, 2 * writes);
  EXPECT_GT(info.activation_peak_bytes, 0);
}

TEST_F(SeededChipTest, ResetBringsTheChipBackToFresh) {
  ChipRuntimeOptions options;
  options.activations_in_nvm = true;
  auto chip = Chip(1, options);
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  request.start_ns = 1'000'000;
  ASSERT_OK_AND_ASSIGN(ExecuteResult first, chip->Execute(request));
  ASSERT_GT(chip->stats().now_ns, 1'000'000);
  ASSERT_GT(chip->stats().nvm_writes, 0);

  ASSERT_OK(chip->Reset());
  const ChipStats fresh = chip->stats();
  EXPECT_EQ(fresh.now_ns, 0);
  EXPECT_EQ(fresh.state, PowerState::kOff);
  EXPECT_EQ(fresh.executions, 0);
  EXPECT_EQ(fresh.words_in, 0);
  EXPECT_EQ(fresh.nvm_writes, 0);
  EXPECT_EQ(fresh.power.wakeups, 0);
  EXPECT_EQ(fresh.power_energy.active_j, 0);
  EXPECT_EQ(fresh.dynamic_energy_j, 0);
  for (int64_t count : chip->nvm_write_counts()) ASSERT_EQ(count, 0);
  EXPECT_FALSE(chip->slice_info().has_value());
  EXPECT_THAT(chip->Execute(request), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("no slice loaded")));
  EXPECT_EQ(chip->model().name(), "msp430_rram");
  EXPECT_EQ(chip->chip_id(), 1);
  EXPECT_TRUE(chip->options().activations_in_nvm);

  // The same run again from time 0 gives the same words and cost.
  ASSERT_OK(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)).status());
  ASSERT_OK_AND_ASSIGN(ExecuteResult again, chip->Execute(request));
  EXPECT_EQ(again.out_stream, first.out_stream);
  EXPECT_EQ(again.end_ns, first.end_ns);
  EXPECT_DOUBLE_EQ(again.energy.total_j(), first.energy.total_j());
  EXPECT_EQ(again.nvm_writes, first.nvm_writes);
}

TEST_F(SeededChipTest, ResetWithAModelReconfiguresTheChip) {
  illusion::v1::ChipModel tiny = Msp430();
  tiny.set_name("tiny");
  tiny.set_weight_nvm_bytes(64);
  ASSERT_OK_AND_ASSIGN(auto chip, ChipRuntime::Create(1, tiny));
  EXPECT_THAT(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("'tiny' has 64 bytes")));

  // Grown: the slice fits.
  illusion::v1::ChipModel grown = tiny;
  grown.set_name("grown");
  grown.set_weight_nvm_bytes(1 << 20);
  ASSERT_OK(chip->Reset(grown));
  EXPECT_EQ(chip->model().name(), "grown");
  ASSERT_OK_AND_ASSIGN(SliceInfo info, chip->LoadSlice(Bundle(p_, graph_, weights_, 1)));
  EXPECT_EQ(info.nvm_capacity_bytes, 1 << 20);
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  ASSERT_OK(chip->Execute(request).status());

  // An invalid model is refused and changes nothing.
  illusion::v1::ChipModel broken = grown;
  broken.set_name("broken");
  broken.set_clock_hz(0);
  EXPECT_THAT(chip->Reset(broken),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("chip model 'broken': field 'clock_hz' is 0")));
  EXPECT_EQ(chip->model().name(), "grown");
  EXPECT_TRUE(chip->slice_info().has_value());
  EXPECT_EQ(chip->stats().executions, 1);
  ASSERT_OK(chip->Execute(request).status());
}

// Execute and GetInfo-style readers on other threads while the chip is
// reset and reloaded: every call sees either the old or the new chip.
TEST_F(SeededChipTest, ResetIsSafeWhileOtherThreadsUseTheChip) {
  auto chip = Chip(1);
  std::thread executor([&] {
    for (int i = 0; i < 200; ++i) {
      ExecuteRequest request;
      request.inbox.push_back(FromChip0());
      absl::StatusOr<ExecuteResult> r = chip->Execute(request);
      if (!r.ok()) {
        EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("no slice loaded")));
      }
    }
  });
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      EXPECT_FALSE(chip->model().name().empty());
      (void)chip->stats();
      (void)chip->slice_info();
    }
  });
  for (int i = 0; i < 50; ++i) {
    illusion::v1::ChipModel m = Msp430();
    m.set_weight_nvm_bytes(4096 + 2 * i);
    ASSERT_OK(chip->Reset(m));
    ASSERT_OK(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)).status());
  }
  executor.join();
  reader.join();
  EXPECT_EQ(chip->model().weight_nvm_bytes(), 4096 + 2 * 49);
}


// --- NVM wear levelling -----------------------------------------------------------

// msp430_rram with activations in NVM: (4096 + 8192) bytes / 2.
constexpr uint32_t kMsp430NvmWords = 6144;

WearConfig Endurer(uint32_t cache_entries = 4) {
  WearConfig config;
  config.mode = endurer::Mode::kEndurer;
  config.cache_entries = cache_entries;
  config.activations_in_nvm = true;
  config.seed = 7;
  return config;
}

int64_t Sum(const std::vector<std::pair<int64_t, int64_t>>& writes) {
  int64_t n = 0;
  for (const auto& [address, count] : writes) n += count;
  return n;
}

// MNIST 8-chip chip 1 writes conv2 (300 words) and conv3 (64 words) per
// Execute: 364 distinct words, a multiple of S = 4. The cache therefore
// keeps the last 4 of each call pending, and writes them back when the next
// call's first word misses: 360 writes in the first call, 364 in each later
// one. Without resiliency all 364 reach the array at once.
TEST_F(SeededChipTest, EndurerCacheShapesThePhysicalWriteCountsOfExecutes) {
  auto chip = Chip(1);  // activations in SRAM by option; ConfigureWear overrides
  EXPECT_FALSE(chip->activations_in_nvm());
  ASSERT_OK(chip->ConfigureWear(Endurer()));
  EXPECT_TRUE(chip->activations_in_nvm());
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  constexpr int64_t kWords = 364;
  for (int k = 1; k <= 4; ++k) {
    ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
    EXPECT_EQ(Sum(r.nvm_writes), k == 1 ? kWords - 4 : kWords) << "call " << k;
    const WearReport wear = chip->Wear(false);
    EXPECT_EQ(wear.write_count, static_cast<uint64_t>(k * kWords - 4)) << "call " << k;
    EXPECT_EQ(wear.pending, 4u);
    EXPECT_EQ(chip->stats().nvm_writes, k * kWords - 4);
  }
  WearReport wear = chip->Wear(true);
  EXPECT_EQ(wear.mode, endurer::Mode::kEndurer);
  EXPECT_EQ(wear.segment_words, kMsp430NvmWords);
  EXPECT_EQ(wear.cell_writes.size(), kMsp430NvmWords);
  EXPECT_EQ(wear.max_cell_writes, 4u);  // every word once per call, none remapped
  EXPECT_TRUE(chip->Wear(false).cell_writes.empty());

  // A remap flushes the 4 pending entries and rotates all M words.
  ASSERT_OK_AND_ASSIGN(RemapOutcome remap, chip->Remap(1000));
  EXPECT_TRUE(remap.applied);
  EXPECT_EQ(remap.flushed, 4u);
  EXPECT_EQ(remap.writes, kMsp430NvmWords);
  EXPECT_EQ(remap.new_offset, 1000u);
  wear = chip->Wear(false);
  EXPECT_EQ(wear.write_count, 4 * kWords + kMsp430NvmWords);
  EXPECT_EQ(wear.offset, 1000u);
  EXPECT_EQ(wear.remaps, 1u);
  EXPECT_EQ(wear.max_cell_writes, 5u);
  // The Execute after the remap lands on rotated physical words.
  ASSERT_OK_AND_ASSIGN(ExecuteResult after, chip->Execute(request));
  ASSERT_FALSE(after.nvm_writes.empty());
  EXPECT_EQ(after.nvm_writes.front().first,
            (Msp430().weight_nvm_bytes() / 2 + kMsp430NvmWords - 1000) % kMsp430NvmWords);

  // No resiliency: every write reaches the array in its own call.
  WearConfig none = Endurer();
  none.mode = endurer::Mode::kNoResiliency;
  ASSERT_OK(chip->ConfigureWear(none));
  EXPECT_EQ(chip->Wear(false).write_count, 0u);
  for (int k = 1; k <= 2; ++k) {
    ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
    EXPECT_EQ(Sum(r.nvm_writes), kWords);
    EXPECT_EQ(chip->Wear(false).write_count, static_cast<uint64_t>(k * kWords));
  }
  ASSERT_OK_AND_ASSIGN(RemapOutcome noop, chip->Remap(std::nullopt));
  EXPECT_FALSE(noop.applied);
  EXPECT_EQ(chip->Wear(false).write_count, 2u * kWords);
}

TEST_F(SeededChipTest, NvmImageMovesBetweenRuntimesAndExecutionStaysBitIdentical) {
  auto a = Chip(1);
  auto b = Chip(1);
  ASSERT_OK(a->ConfigureWear(Endurer()));
  ASSERT_OK(b->ConfigureWear(Endurer()));
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  ASSERT_OK_AND_ASSIGN(ExecuteResult first, a->Execute(request));
  ASSERT_OK_AND_ASSIGN(RemapOutcome remap, a->Remap(std::nullopt));  // seeded draw
  ASSERT_TRUE(remap.applied);
  ASSERT_OK(a->Execute(request).status());
  const uint64_t a_before = a->Wear(false).write_count;
  ASSERT_OK_AND_ASSIGN(NvmImage image, a->ExportNvm());
  EXPECT_EQ(a->Wear(false).write_count, a_before + 4);  // the flushed cache
  EXPECT_EQ(a->Wear(false).pending, 0u);
  EXPECT_EQ(image.offset, remap.new_offset);
  ASSERT_EQ(image.words.size(), kMsp430NvmWords);

  ASSERT_OK(b->ImportNvm(image));
  WearReport b_wear = b->Wear(true);
  EXPECT_EQ(b_wear.write_count, kMsp430NvmWords);
  EXPECT_EQ(b_wear.max_cell_writes, 1u);
  EXPECT_EQ(b_wear.offset, remap.new_offset);

  ASSERT_OK_AND_ASSIGN(ExecuteResult ra, a->Execute(request));
  ASSERT_OK_AND_ASSIGN(ExecuteResult rb, b->Execute(request));
  EXPECT_EQ(ra.out_stream, rb.out_stream);
  EXPECT_EQ(ra.out_stream, first.out_stream);
  EXPECT_EQ(ra.nvm_writes, rb.nvm_writes);  // same physical words: same offset
  ASSERT_OK_AND_ASSIGN(NvmImage a_after, a->ExportNvm());
  ASSERT_OK_AND_ASSIGN(NvmImage b_after, b->ExportNvm());
  EXPECT_EQ(a_after.offset, b_after.offset);
  EXPECT_EQ(a_after.words, b_after.words);

  NvmImage short_image = image;
  short_image.words.resize(100);
  EXPECT_THAT(b->ImportNvm(short_image),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nvm image has 100 words; the segment has 6144")));
  NvmImage far = image;
  far.offset = kMsp430NvmWords;
  EXPECT_THAT(b->ImportNvm(far), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("offset 6144 outside [0, 6143]")));
}

TEST_F(SeededChipTest, ResetClearsWearAndLoadSliceKeepsIt) {
  auto chip = Chip(1);
  ASSERT_OK(chip->ConfigureWear(Endurer()));
  ExecuteRequest request;
  request.inbox.push_back(FromChip0());
  ASSERT_OK(chip->Execute(request).status());
  ASSERT_OK(chip->Remap(3).status());
  const WearReport before = chip->Wear(false);
  ASSERT_GT(before.write_count, 0u);

  // A slice swap reloads weights: not counted, and the wear stays.
  ASSERT_OK(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)).status());
  const WearReport kept = chip->Wear(false);
  EXPECT_EQ(kept.write_count, before.write_count);
  EXPECT_EQ(kept.offset, 3u);
  EXPECT_EQ(kept.mode, endurer::Mode::kEndurer);
  EXPECT_TRUE(chip->activations_in_nvm());

  ASSERT_OK(chip->Reset());
  const WearReport fresh = chip->Wear(false);
  EXPECT_EQ(fresh.mode, endurer::Mode::kNoResiliency);
  EXPECT_EQ(fresh.write_count, 0u);
  EXPECT_EQ(fresh.offset, 0u);
  EXPECT_EQ(fresh.remaps, 0u);
  EXPECT_FALSE(fresh.activations_in_nvm);  // back to the option
  EXPECT_EQ(fresh.segment_words, 2048u);   // weight NVM only
  ASSERT_OK(chip->LoadSlice(Bundle(p_, graph_, weights_, 1)).status());
  ASSERT_OK_AND_ASSIGN(ExecuteResult r, chip->Execute(request));
  EXPECT_TRUE(r.nvm_writes.empty());
}

TEST_F(SeededChipTest, BadWearRequestsNameTheValueAndTheRange) {
  auto chip = Chip(1);
  EXPECT_THAT(chip->ConfigureWear(Endurer(0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("chip 1: wear cache_entries 0 outside [1, 1024]")));
  EXPECT_THAT(chip->ConfigureWear(Endurer(1025)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cache_entries 1025 outside [1, 1024]")));
  EXPECT_EQ(chip->Wear(false).mode, endurer::Mode::kNoResiliency);  // unchanged
  ASSERT_OK(chip->ConfigureWear(Endurer()));
  EXPECT_THAT(chip->Remap(0), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("chip 1: remap shift 0 outside [1, 6143]")));
  EXPECT_THAT(chip->Remap(kMsp430NvmWords),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("remap shift 6144 outside [1, 6143]")));
  EXPECT_EQ(chip->Wear(false).write_count, 0u);

  illusion::v1::ChipModel big = Msp430();
  big.set_weight_nvm_bytes(1 << 20);
  ASSERT_OK(chip->Reset(big));
  EXPECT_THAT(chip->ConfigureWear(Endurer()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("has 528384 NVM words (weights and activations); wear "
                                 "levelling supports [2, 65536]")));
}

}  // namespace
}  // namespace illusion::chipd
