#ifndef ILLUSION_COORDINATOR_EXPERIMENT_RUNNER_H_
#define ILLUSION_COORDINATOR_EXPERIMENT_RUNNER_H_

// ExperimentRunner: runs K inferences of a deployed Partition on a ChipFleet
// the way the paper's FPGA master does (star topology: every message goes
// through the coordinator). Per inference, for each wake-up in execution
// order it assembles the inbox from the host's messages (encoded from the
// host tensors) and the chips' pending messages, skips a wake-up that
// receives nothing (a d2nn path not taken), executes it on the fleet at a
// start time on the global virtual timeline, and routes its outbox: messages
// to the host (and via_master ones) are decoded into the host tensors, the
// others wait for their destination. The words are exactly those of
// partitioner::ExecutePartition.
//
// Schedules place the wake-ups on the timeline; the process still executes
// them one by one in partition order, only the virtual times differ:
//   sequential  one thing at a time, as the paper measured: the master moves
//               a wake-up's inbound messages one after another over the link
//               (chipd::LinkTransferNs each: latency + payload words /
//               bandwidth), then wakes the chip; when it is off again the
//               master reads its messages for the host over the link. So the
//               run time is exactly the sum of the wake-up windows (wake +
//               active + shutdown) and the link transfers.
//   overlapped  a wake-up starts as soon as all its inbound messages have
//               arrived and its chip is free: a chip-to-chip message leaves
//               when its sender is off and arrives one transfer later; a host
//               message leaves when the host holds every tensor it carries
//               (inputs at the inference start, parts that chips sent at
//               their arrival). Links do not contend (the master forwards
//               in parallel). Never later than sequential.
// Inferences do not overlap: inference i+1 starts when inference i's last
// wake-up or message ends (TODO(coordinator): pipelined inferences).
// Message words on the link are payload words; mode words, headers and
// terminators are not timed.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "coordinator/chip_fleet.h"
#include "coordinator/run_record.h"
#include "nn/executor.h"
#include "nn/graph.h"
#include "nn/weights.h"
#include "partitioner/partition.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

enum class Schedule { kSequential, kOverlapped };

// "sequential", "overlapped".
absl::string_view ScheduleName(Schedule schedule);
// Inverse of ScheduleName; InvalidArgument naming the value and valid names.
absl::StatusOr<Schedule> ParseSchedule(absl::string_view name);

// Watches a run as it goes (progress reports, the trace store). Callbacks
// run on the runner's thread; an error aborts the run with that status
// (e.g. a cancelled client). Implementations need not be thread-safe.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // After each executed wake-up: record.wake_ups.back() is it.
  virtual absl::Status OnWakeUp(const RunRecord& record) { return absl::OkStatus(); }
  // After each completed inference: record.inferences.back() is it, and
  // every wake-up and message of it is in `record`.
  virtual absl::Status OnInference(const RunRecord& record) { return absl::OkStatus(); }
};

struct RunnerOptions {
  // How wake-ups are placed on the timeline. Default sequential.
  Schedule schedule = Schedule::kSequential;
  // Link latency, bandwidth and energy per word come from this model (the
  // fleet's chip model). Must pass chipd::ValidateChipModel.
  illusion::v1::ChipModel link_model;
  // Borrowed; may be null.
  RunObserver* observer = nullptr;
  // State carried between inferences (the KWS LSTM's h and c): for each
  // {from, to}, an inference after the first whose inputs lack host tensor
  // `to` gets the previous inference's final host tensor `from`.
  std::vector<std::pair<std::string, std::string>> carry;
  // Keep every wake-up's input and output word stream in
  // InferenceRecord::chips (what ExportStreams writes). False: each ChipRun
  // keeps its label and chip with empty streams, the runner does not build
  // the input stream and asks the chips not to return their output stream
  // (ExecuteRequest::return_out_stream); messages, words and everything else
  // are unchanged. A long run without stream export saves the memory (about
  // twice the message words of every inference). Default true.
  bool keep_streams = true;
};

// Borrows the partition, graph, weights and fleet, which must outlive it.
// The fleet must hold the partition's slices (DeployPartition) and its
// chips' clocks must be at 0 (fresh chips): the runner's timeline starts at
// 0 and chips refuse a start time before their clock. Not thread-safe: one
// Run at a time.
class ExperimentRunner {
 public:
  // InvalidArgument for an invalid link model or a partition without
  // wake-ups; FailedPrecondition when the fleet has fewer chips than the
  // partition (both counts named).
  static absl::StatusOr<std::unique_ptr<ExperimentRunner>> Create(
      const partitioner::Partition& partition, const nn::Graph& graph,
      const nn::WeightMap& weights, ChipFleet* fleet, RunnerOptions options);

  // Runs one inference per element of `inputs` (the host tensors: graph
  // inputs plus host-forced ones such as the d2nn "path" or the lstm "last")
  // and fills `record`, which is cleared first. On error `record` keeps
  // everything up to the failure (completed inferences; wake-ups and
  // messages so far) and the status says where: "inference 2, wake-up '3'
  // on in-process chip 3: <the chip's error>", with the chip's code.
  // InvalidArgument for an empty `inputs`; FailedPrecondition naming the
  // sender, tensor and destination when a host tensor a message needs is
  // missing.
  absl::Status Run(absl::Span<const nn::TensorMap> inputs, RunRecord* record);

  const RunnerOptions& options() const { return options_; }

 private:
  struct InferenceState;
  struct Pending;

  ExperimentRunner(const partitioner::Partition& partition, const nn::Graph& graph,
                   const nn::WeightMap& weights, ChipFleet* fleet, RunnerOptions options)
      : partition_(partition), graph_(graph), weights_(weights), fleet_(fleet),
        options_(std::move(options)) {
    inbound_.reserve(partition_.chips.size());
    for (int s = 0; s < static_cast<int>(partition_.chips.size()); ++s) {
      inbound_.push_back(partition_.Inbound(s));
    }
  }

  absl::Status RunInference(int inference, const nn::TensorMap& inputs, RunRecord& record);
  absl::Status RunWakeUp(int wake_up, InferenceState& state, RunRecord& record);
  // Appends a message record on the link from `ready_ns`; returns its end.
  int64_t Transfer(const partitioner::MessagePlan& plan, int64_t words, int64_t ready_ns,
                   InferenceState& state, RunRecord& record);
  absl::Status RouteToHost(const chipd::OutboundMessage& out, int64_t sent_ns,
                           InferenceState& state, RunRecord& record);
  int ChipOf(int wake_up) const;

  const partitioner::Partition& partition_;
  const nn::Graph& graph_;
  const nn::WeightMap& weights_;
  ChipFleet* const fleet_;
  const RunnerOptions options_;
  // Per wake-up: Partition::Inbound, computed once.
  std::vector<partitioner::MessageList> inbound_;
  // The request of the current wake-up; reused so that its inbox keeps its
  // capacity.
  chipd::ExecuteRequest request_;
  // Sequential: when the link and the chips are next free. Overlapped: when
  // the current inference started.
  int64_t cursor_ns_ = 0;
  // Overlapped: when each physical chip is next free.
  std::vector<int64_t> chip_free_ns_;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_EXPERIMENT_RUNNER_H_
