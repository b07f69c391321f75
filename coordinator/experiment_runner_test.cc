// The runner against the in-process reference: the same words as
// partitioner::ExecutePartition, the golden class, the schedules' order, and
// a fleet that fails mid-run.

#include "coordinator/experiment_runner.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "common/status_macros.h"
#include "common/status_matchers.h"
#include "coordinator/chip_fleet.h"
#include "coordinator/deploy.h"
#include "coordinator/experiment.h"
#include "coordinator/in_process_fleet.h"
#include "coordinator/model_fit.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nn/executor.h"
#include "nn/weights.h"
#include "nn/workloads.h"
#include "partitioner/graph_partition.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/partition_executor.h"

namespace illusion::coordinator {
namespace {

using ::illusion::common::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using nn::Workload;
using partitioner::Partition;

// A deployed partition on a fresh in-process fleet, ready to run.
struct Deployed {
  nn::Graph graph;
  nn::WeightMap weights;
  Partition partition;
  illusion::v1::ChipModel model;
  std::unique_ptr<InProcessFleet> fleet;
  std::vector<nn::TensorMap> inputs;
};

absl::StatusOr<Deployed> MakeSetup(Workload w, Partition partition, int inferences,
                                uint64_t seed = 5) {
  ASSIGN_OR_RETURN(nn::Graph graph, partitioner::PaperGraph(w));
  nn::WeightMap weights = nn::SeededWeights(graph, seed);
  ASSIGN_OR_RETURN(illusion::v1::ChipModel model, chipd::LoadChipModel("msp430_rram"));
  ASSIGN_OR_RETURN(SliceNeeds needs, ComputeSliceNeeds(partition, graph));
  model = GrowToFit(model, needs);
  ASSIGN_OR_RETURN(std::unique_ptr<InProcessFleet> fleet,
                   InProcessFleet::Create(PhysicalChipCount(partition), model));
  RETURN_IF_ERROR(DeployPartition(partition, graph, weights, *fleet));
  ExperimentConfig config;
  config.workload = w;
  config.strategy = partition.strategy;
  config.inferences = inferences;
  config.input_seed = seed + 1;
  ASSIGN_OR_RETURN(std::vector<nn::TensorMap> inputs, ExperimentInputs(config, graph, weights));
  return Deployed{std::move(graph), std::move(weights), std::move(partition), std::move(model),
               std::move(fleet), std::move(inputs)};
}

RunnerOptions Options(const Deployed& s, Schedule schedule = Schedule::kSequential,
                      bool keep_streams = true) {
  RunnerOptions options;
  options.schedule = schedule;
  options.link_model = s.model;
  options.keep_streams = keep_streams;
  return options;
}

absl::StatusOr<RunRecord> RunSetup(Deployed& s, Schedule schedule, ChipFleet* fleet = nullptr,
                                   bool keep_streams = true) {
  ASSIGN_OR_RETURN(std::unique_ptr<ExperimentRunner> runner,
                   ExperimentRunner::Create(s.partition, s.graph, s.weights,
                                            fleet != nullptr ? fleet : s.fleet.get(),
                                            Options(s, schedule, keep_streams)));
  RunRecord record;
  RETURN_IF_ERROR(runner->Run(s.inputs, &record));
  return record;
}

struct PaperCase {
  Workload workload;
  int chips;
  Schedule schedule;
};

class PaperStreamsTest : public ::testing::TestWithParam<PaperCase> {};

TEST_P(PaperStreamsTest, StreamsEqualExecutePartitionAndClassEqualsGolden) {
  const PaperCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(c.workload, c.chips));
  ASSERT_OK_AND_ASSIGN(Deployed s, MakeSetup(c.workload, std::move(p), 2));
  ASSERT_OK_AND_ASSIGN(RunRecord record, RunSetup(s, c.schedule));
  ASSERT_EQ(record.inferences.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(absl::StrCat("inference ", i));
    ASSERT_OK_AND_ASSIGN(partitioner::PartitionRun want,
                         partitioner::ExecutePartition(s.partition, s.graph, s.weights,
                                                       s.inputs[i]));
    const InferenceRecord& got = record.inferences[i];
    ASSERT_EQ(got.chips.size(), want.chips.size());
    for (size_t k = 0; k < want.chips.size(); ++k) {
      EXPECT_EQ(got.chips[k].label, want.chips[k].label);
      EXPECT_EQ(got.chips[k].chip, want.chips[k].chip);
      EXPECT_EQ(got.chips[k].in, want.chips[k].in) << "chip " << want.chips[k].label << " in";
      EXPECT_EQ(got.chips[k].out, want.chips[k].out) << "chip " << want.chips[k].label << " out";
    }
    EXPECT_EQ(got.class_id, want.class_id);
    nn::TensorMap graph_inputs;
    for (const nn::TensorSpec& spec : s.graph.inputs()) {
      graph_inputs[spec.name] = s.inputs[i].at(spec.name);
    }
    ASSERT_OK_AND_ASSIGN(nn::TensorMap golden,
                         nn::ExecuteGraph(s.graph, s.weights, graph_inputs));
    EXPECT_EQ(got.class_id, golden.at(nn::kClassTensor).at(0));
    EXPECT_GE(got.class_id, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paper, PaperStreamsTest,
    ::testing::Values(PaperCase{Workload::kMnist, 8, Schedule::kSequential},
                      PaperCase{Workload::kMnist, 8, Schedule::kOverlapped},
                      PaperCase{Workload::kSvhn, 8, Schedule::kSequential},
                      PaperCase{Workload::kSvhn, 8, Schedule::kOverlapped},
                      PaperCase{Workload::kMnist, 4, Schedule::kSequential},
                      PaperCase{Workload::kD2nn, 8, Schedule::kSequential},
                      PaperCase{Workload::kD2nn, 4, Schedule::kOverlapped},
                      PaperCase{Workload::kKwsLstm, 8, Schedule::kSequential},
                      PaperCase{Workload::kKwsLstm, 1, Schedule::kOverlapped}),
    [](const auto& info) {
      return absl::StrCat(nn::WorkloadName(info.param.workload), "_", info.param.chips, "chip_",
                          ScheduleName(info.param.schedule));
    });

TEST(ExperimentRunnerTest, GreedySvhnEqualsGolden) {
  ASSERT_OK_AND_ASSIGN(nn::Graph graph, partitioner::PaperGraph(Workload::kSvhn));
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::GreedyGraphPartition(graph, {4096}));
  EXPECT_GT(p.chips.size(), 4u);
  ASSERT_OK_AND_ASSIGN(Deployed s, MakeSetup(Workload::kSvhn, std::move(p), 1, 11));
  ASSERT_OK_AND_ASSIGN(RunRecord record, RunSetup(s, Schedule::kOverlapped));
  ASSERT_OK_AND_ASSIGN(nn::TensorMap golden, nn::ExecuteGraph(s.graph, s.weights, s.inputs[0]));
  const InferenceRecord& got = record.inferences.at(0);
  EXPECT_EQ(got.class_id, golden.at(nn::kClassTensor).at(0));
  for (const std::string& out : s.graph.outputs()) {
    ASSERT_TRUE(got.host.count(out) > 0) << out;
    EXPECT_TRUE(got.host.at(out).SameValues(golden.at(out))) << out;
  }
}

TEST(ExperimentRunnerTest, OverlappedIsFasterWhenChipsCanRunTogether) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(Deployed seq, MakeSetup(Workload::kMnist, p, 2));
  ASSERT_OK_AND_ASSIGN(Deployed ovl, MakeSetup(Workload::kMnist, p, 2));
  ASSERT_OK_AND_ASSIGN(RunRecord a, RunSetup(seq, Schedule::kSequential));
  ASSERT_OK_AND_ASSIGN(RunRecord b, RunSetup(ovl, Schedule::kOverlapped));
  EXPECT_LT(b.end_ns, a.end_ns);
  // Every wake-up starts no later than in the sequential schedule.
  ASSERT_EQ(a.wake_ups.size(), b.wake_ups.size());
  for (size_t k = 0; k < a.wake_ups.size(); ++k) {
    EXPECT_LE(b.wake_ups[k].start_ns, a.wake_ups[k].start_ns) << "wake-up " << k;
    EXPECT_EQ(b.wake_ups[k].end_ns - b.wake_ups[k].start_ns,
              a.wake_ups[k].end_ns - a.wake_ups[k].start_ns);
  }
  // Chips 2..5 all read conv3 from chip 1 and start together.
  const WakeUpRecord& w2 = b.wake_ups[2];
  for (int k = 3; k <= 5; ++k) {
    EXPECT_EQ(b.wake_ups[k].start_ns, w2.start_ns) << "chip " << k;
    EXPECT_LT(b.wake_ups[k].start_ns, b.wake_ups[k - 1].end_ns);
  }
  // In the sequential schedule no two wake-ups overlap.
  for (size_t k = 1; k < a.wake_ups.size(); ++k) {
    EXPECT_GE(a.wake_ups[k].start_ns, a.wake_ups[k - 1].end_ns);
  }
  // Inference 1 starts when inference 0 ends.
  EXPECT_EQ(b.inferences[1].start_ns, b.inferences[0].end_ns);
  EXPECT_EQ(b.end_ns, b.inferences[1].end_ns);
}

TEST(ExperimentRunnerTest, OverlappedEqualsSequentialForOneChip) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kMnist, 1));
  ASSERT_OK_AND_ASSIGN(Deployed seq, MakeSetup(Workload::kMnist, p, 2));
  ASSERT_OK_AND_ASSIGN(Deployed ovl, MakeSetup(Workload::kMnist, p, 2));
  ASSERT_OK_AND_ASSIGN(RunRecord a, RunSetup(seq, Schedule::kSequential));
  ASSERT_OK_AND_ASSIGN(RunRecord b, RunSetup(ovl, Schedule::kOverlapped));
  EXPECT_EQ(a.end_ns, b.end_ns);
}

TEST(ExperimentRunnerTest, MessagesAreRecordedWithTimesAndWords) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(Deployed s, MakeSetup(Workload::kMnist, std::move(p), 1));
  ASSERT_OK_AND_ASSIGN(RunRecord record, RunSetup(s, Schedule::kSequential));
  ASSERT_FALSE(record.messages.empty());
  int64_t words = 0;
  for (size_t i = 0; i < record.messages.size(); ++i) {
    const MessageRecord& m = record.messages[i];
    EXPECT_EQ(m.seq, static_cast<int64_t>(i));
    EXPECT_EQ(m.end_ns - m.start_ns, chipd::LinkTransferNs(s.model, m.words));
    words += m.words;
  }
  // The first message is the host's image to chip 0; the last is the class.
  EXPECT_EQ(record.messages.front().source, partitioner::kHost);
  EXPECT_EQ(record.messages.front().destination_chip, 0);
  EXPECT_EQ(record.messages.back().destination, partitioner::kHost);
  // Every payload word of every input stream was on the link once.
  int64_t stream_words = 0;
  for (const partitioner::ChipRun& r : record.inferences[0].chips) {
    stream_words += static_cast<int64_t>(r.in.size()) - 2;
  }
  int64_t to_host = 0;
  for (const MessageRecord& m : record.messages) {
    if (m.destination == partitioner::kHost) to_host += m.words;
  }
  EXPECT_EQ(words, stream_words + to_host);
  // Steps are recorded per wake-up.
  for (const WakeUpRecord& w : record.wake_ups) EXPECT_FALSE(w.steps.empty()) << w.label;
}

TEST(ExperimentRunnerTest, WithoutStreamsOnlyTheStreamsAreMissing) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kSvhn, 8));
  ASSERT_OK_AND_ASSIGN(Deployed kept, MakeSetup(Workload::kSvhn, p, 2));
  ASSERT_OK_AND_ASSIGN(Deployed dropped, MakeSetup(Workload::kSvhn, p, 2));
  ASSERT_OK_AND_ASSIGN(RunRecord a, RunSetup(kept, Schedule::kSequential));
  ASSERT_OK_AND_ASSIGN(RunRecord b, RunSetup(dropped, Schedule::kSequential, nullptr, false));
  ASSERT_EQ(a.inferences.size(), b.inferences.size());
  for (size_t i = 0; i < a.inferences.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("inference ", i));
    const InferenceRecord& x = a.inferences[i];
    const InferenceRecord& y = b.inferences[i];
    EXPECT_EQ(y.class_id, x.class_id);
    EXPECT_EQ(y.end_ns, x.end_ns);
    ASSERT_EQ(y.host.size(), x.host.size());
    for (const auto& [name, tensor] : x.host) {
      ASSERT_TRUE(y.host.count(name) > 0) << name;
      EXPECT_TRUE(y.host.at(name).SameValues(tensor)) << name;
    }
    ASSERT_EQ(y.chips.size(), x.chips.size());
    for (size_t k = 0; k < x.chips.size(); ++k) {
      EXPECT_EQ(y.chips[k].label, x.chips[k].label);
      EXPECT_EQ(y.chips[k].chip, x.chips[k].chip);
      EXPECT_FALSE(x.chips[k].in.empty());
      EXPECT_FALSE(x.chips[k].out.empty());
      EXPECT_TRUE(y.chips[k].in.empty()) << "wake-up " << x.chips[k].label;
      EXPECT_TRUE(y.chips[k].out.empty()) << "wake-up " << x.chips[k].label;
    }
  }
  // The chips counted the same words and the link carried the same messages.
  ASSERT_EQ(a.wake_ups.size(), b.wake_ups.size());
  for (size_t k = 0; k < a.wake_ups.size(); ++k) {
    EXPECT_EQ(b.wake_ups[k].words_in, a.wake_ups[k].words_in) << "wake-up " << k;
    EXPECT_EQ(b.wake_ups[k].words_out, a.wake_ups[k].words_out) << "wake-up " << k;
    EXPECT_EQ(b.wake_ups[k].end_ns, a.wake_ups[k].end_ns) << "wake-up " << k;
    EXPECT_EQ(b.wake_ups[k].energy.total_j(), a.wake_ups[k].energy.total_j()) << "wake-up " << k;
    EXPECT_EQ(a.wake_ups[k].words_out,
              static_cast<int64_t>(
                  a.inferences[k / kept.partition.chips.size()]
                      .chips[k % kept.partition.chips.size()]
                      .out.size()))
        << "wake-up " << k;
  }
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t m = 0; m < a.messages.size(); ++m) {
    EXPECT_EQ(b.messages[m].words, a.messages[m].words) << "message " << m;
    EXPECT_EQ(b.messages[m].end_ns, a.messages[m].end_ns) << "message " << m;
  }
}

// A chip caches each wake-up's cost by what it depends on (chipd's
// WakeUpCost). KWS lstm chips run different steps and send different words
// on the final time step than on the others: alternating the two on one
// fleet must cost every wake-up exactly as a fresh fleet does.
TEST(ExperimentRunnerTest, CostsOnAReusedFleetEqualAFreshFleetsWhenTheWorkChanges) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kKwsLstm, 8));
  constexpr int kInferences = 4;
  ASSERT_OK_AND_ASSIGN(Deployed reused, MakeSetup(Workload::kKwsLstm, p, kInferences));
  for (int i = 0; i < kInferences; ++i) {
    reused.inputs[i]["last"] = nn::Tensor::FromValues(nn::DType::kInt16, {1}, {i % 2});
  }
  ASSERT_OK_AND_ASSIGN(RunRecord all, RunSetup(reused, Schedule::kSequential));
  ASSERT_EQ(all.inferences.size(), static_cast<size_t>(kInferences));
  std::vector<int64_t> words_out_of_step;  // per inference, to see the work change
  for (int i = 0; i < kInferences; ++i) {
    SCOPED_TRACE(absl::StrCat("inference ", i));
    ASSERT_OK_AND_ASSIGN(Deployed fresh, MakeSetup(Workload::kKwsLstm, p, 1));
    fresh.inputs = {reused.inputs[i]};
    ASSERT_OK_AND_ASSIGN(RunRecord one, RunSetup(fresh, Schedule::kSequential));
    std::vector<const WakeUpRecord*> mine;
    for (const WakeUpRecord& w : all.wake_ups) {
      if (w.inference == i) mine.push_back(&w);
    }
    ASSERT_EQ(mine.size(), one.wake_ups.size());
    int64_t words_out = 0;
    for (size_t k = 0; k < mine.size(); ++k) {
      const WakeUpRecord& a = *mine[k];
      const WakeUpRecord& b = one.wake_ups[k];
      SCOPED_TRACE(absl::StrCat("wake-up ", a.label));
      EXPECT_EQ(a.label, b.label);
      EXPECT_EQ(a.words_in, b.words_in);
      EXPECT_EQ(a.words_out, b.words_out);
      EXPECT_EQ(a.cycles, b.cycles);
      EXPECT_EQ(a.end_ns - a.start_ns, b.end_ns - b.start_ns);
      // active_j is a difference of the chip's running totals: equal to rounding.
      EXPECT_DOUBLE_EQ(a.energy.active_j, b.energy.active_j);
      EXPECT_EQ(a.energy.mac_j, b.energy.mac_j);
      EXPECT_EQ(a.energy.nvm_read_j, b.energy.nvm_read_j);
      EXPECT_EQ(a.energy.link_j, b.energy.link_j);
      ASSERT_EQ(a.steps.size(), b.steps.size());
      for (size_t j = 0; j < a.steps.size(); ++j) {
        EXPECT_EQ(a.steps[j].op, b.steps[j].op);
        EXPECT_EQ(a.steps[j].cycles, b.steps[j].cycles) << a.steps[j].op;
      }
      words_out += a.words_out;
    }
    words_out_of_step.push_back(words_out);
  }
  // The final steps (odd inferences) send more than the regular ones: the
  // cache saw two different runs of the same wake-ups.
  EXPECT_GT(words_out_of_step[1], words_out_of_step[0]);
  EXPECT_EQ(words_out_of_step[2], words_out_of_step[0]);
  EXPECT_EQ(words_out_of_step[3], words_out_of_step[1]);
}

// Wraps a fleet and fails every Execute on one chip.
class FailingFleet : public ChipFleet {
 public:
  FailingFleet(ChipFleet* inner, int failing_chip) : inner_(inner), failing_(failing_chip) {}
  int size() const override { return inner_->size(); }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override {
    return inner_->LoadSlice(chip, std::move(bundle));
  }
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override {
    if (chip == failing_) return absl::UnavailableError("connection reset by peer");
    return inner_->Execute(chip, request);
  }
  std::string Describe(int chip) const override { return inner_->Describe(chip); }

 private:
  ChipFleet* const inner_;
  const int failing_;
};

TEST(ExperimentRunnerTest, FailingChipNamesTheChipAndKeepsTheRecordSoFar) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(Deployed s, MakeSetup(Workload::kMnist, std::move(p), 2));
  FailingFleet failing(s.fleet.get(), 3);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ExperimentRunner> runner,
                       ExperimentRunner::Create(s.partition, s.graph, s.weights, &failing,
                                                Options(s)));
  RunRecord record;
  EXPECT_THAT(runner->Run(s.inputs, &record),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("inference 0, wake-up '3' on in-process chip 3"),
                             HasSubstr("connection reset by peer"))));
  EXPECT_TRUE(record.inferences.empty());
  ASSERT_EQ(record.wake_ups.size(), 3u);  // chips 0, 1, 2 ran
  EXPECT_EQ(record.wake_ups.back().label, "2");
  EXPECT_GE(record.end_ns, record.wake_ups.back().end_ns);
  EXPECT_FALSE(record.messages.empty());
}

TEST(ExperimentRunnerTest, RefusesSmallFleetAndEmptyInputs) {
  ASSERT_OK_AND_ASSIGN(Partition p, partitioner::PaperPartitionFor(Workload::kMnist, 8));
  ASSERT_OK_AND_ASSIGN(Deployed s, MakeSetup(Workload::kMnist, std::move(p), 1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InProcessFleet> small,
                       InProcessFleet::Create(4, s.model));
  EXPECT_THAT(ExperimentRunner::Create(s.partition, s.graph, s.weights, small.get(),
                                       Options(s)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("needs 8 chips; the fleet has 4")));
  EXPECT_THAT(DeployPartition(s.partition, s.graph, s.weights, *small),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("needs 8 chips; the fleet has 4")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ExperimentRunner> runner,
                       ExperimentRunner::Create(s.partition, s.graph, s.weights, s.fleet.get(),
                                                Options(s)));
  RunRecord record;
  EXPECT_THAT(runner->Run({}, &record),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 0")));
}

TEST(ExperimentRunnerTest, ParsesScheduleNames) {
  EXPECT_THAT(ParseSchedule("overlapped"), ::illusion::common::IsOkAndHolds(Schedule::kOverlapped));
  EXPECT_THAT(ParseSchedule("parallel"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'parallel'"), HasSubstr("sequential, overlapped"))));
}

}  // namespace
}  // namespace illusion::coordinator
