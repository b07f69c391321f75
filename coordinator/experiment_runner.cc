#include "coordinator/experiment_runner.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "chipd/chip_model.h"
#include "chipd/cost_model.h"
#include "common/status_macros.h"
#include "coordinator/deploy.h"
#include "nn/workloads.h"
#include "partitioner/chip_runner.h"
#include "partitioner/word_protocol.h"

namespace illusion::coordinator {

using partitioner::kHost;
using partitioner::MessagePlan;
using partitioner::Words;

absl::string_view ScheduleName(Schedule schedule) {
  switch (schedule) {
    case Schedule::kSequential:
      return "sequential";
    case Schedule::kOverlapped:
      return "overlapped";
  }
  return "unknown";
}

absl::StatusOr<Schedule> ParseSchedule(absl::string_view name) {
  for (Schedule s : {Schedule::kSequential, Schedule::kOverlapped}) {
    if (name == ScheduleName(s)) return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown schedule '", name, "'; valid: sequential, overlapped"));
}

// A chip-sent message waiting at the master for its destination.
struct ExperimentRunner::Pending {
  chipd::InboundMessage message;
  int64_t sent_ns = 0;  // when the sender was off again
};

// Everything one inference accumulates.
struct ExperimentRunner::InferenceState {
  int inference = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // latest wake-up or message end so far
  InferenceRecord result;
  // Per wake-up index; inline for the usual one or two messages a wake-up
  // receives from other chips.
  std::vector<absl::InlinedVector<Pending, 2>> pending;
  // Overlapped: when each tensor part the chips sent reached the host.
  std::map<std::string, int64_t> host_ready_ns;
};

absl::StatusOr<std::unique_ptr<ExperimentRunner>> ExperimentRunner::Create(
    const partitioner::Partition& partition, const nn::Graph& graph,
    const nn::WeightMap& weights, ChipFleet* fleet, RunnerOptions options) {
  RETURN_IF_ERROR(chipd::ValidateChipModel(options.link_model));
  if (partition.chips.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("partition of '", partition.graph_name, "' has no wake-ups"));
  }
  const int needed = PhysicalChipCount(partition);
  if (fleet == nullptr || fleet->size() < needed) {
    return absl::FailedPreconditionError(
        absl::StrCat("partition of '", partition.graph_name, "' needs ", needed,
                     " chips; the fleet has ", fleet == nullptr ? 0 : fleet->size()));
  }
  return std::unique_ptr<ExperimentRunner>(
      new ExperimentRunner(partition, graph, weights, fleet, std::move(options)));
}

int ExperimentRunner::ChipOf(int wake_up) const {
  return wake_up == kHost ? -1 : partition_.chips[wake_up].chip;
}

absl::Status ExperimentRunner::Run(absl::Span<const nn::TensorMap> inputs, RunRecord* record) {
  *record = RunRecord{};
  record->num_chips = PhysicalChipCount(partition_);
  if (inputs.empty()) {
    return absl::InvalidArgumentError("a run needs the host inputs of at least 1 inference; got 0");
  }
  cursor_ns_ = 0;
  chip_free_ns_.assign(record->num_chips, 0);
  record->wake_ups.reserve(inputs.size() * partition_.chips.size());
  record->inferences.reserve(inputs.size());
  record->messages.reserve(inputs.size() * partition_.messages.size());
  for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
    const absl::Status s = RunInference(i, inputs[i], *record);
    if (!s.ok()) {
      // T_total of what did run.
      for (const WakeUpRecord& w : record->wake_ups) {
        record->end_ns = std::max(record->end_ns, w.end_ns);
      }
      for (const MessageRecord& m : record->messages) {
        record->end_ns = std::max(record->end_ns, m.end_ns);
      }
      return s;
    }
    record->end_ns = cursor_ns_;
    if (options_.observer != nullptr) RETURN_IF_ERROR(options_.observer->OnInference(*record));
  }
  return absl::OkStatus();
}

absl::Status ExperimentRunner::RunInference(int inference, const nn::TensorMap& inputs,
                                            RunRecord& record) {
  InferenceState state;
  state.inference = inference;
  state.start_ns = state.end_ns = cursor_ns_;
  state.result.host = inputs;
  for (const auto& [from, to] : options_.carry) {
    if (inference == 0 || inputs.count(to) > 0) continue;
    const nn::TensorMap& previous = record.inferences.back().host;
    auto it = previous.find(from);
    if (it == previous.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "inference ", inference, " carries host tensor '", from, "' of inference ",
          inference - 1, " into '", to, "', but the host never received it"));
    }
    state.result.host[to] = it->second;
  }
  state.result.start_ns = cursor_ns_;
  state.pending.resize(partition_.chips.size());
  state.result.chips.reserve(partition_.chips.size());
  for (int s = 0; s < static_cast<int>(partition_.chips.size()); ++s) {
    RETURN_IF_ERROR(RunWakeUp(s, state, record));
  }
  auto it = state.result.host.find(nn::kClassTensor);
  if (it != state.result.host.end()) state.result.class_id = it->second.at(0);
  state.result.end_ns = state.end_ns;
  cursor_ns_ = state.end_ns;
  record.inferences.push_back(std::move(state.result));
  return absl::OkStatus();
}

int64_t ExperimentRunner::Transfer(const MessagePlan& plan, int64_t words, int64_t ready_ns,
                                   InferenceState& state, RunRecord& record) {
  const bool to_host = plan.destination == kHost || plan.via_master;
  MessageRecord m;
  m.seq = static_cast<int64_t>(record.messages.size());
  m.inference = state.inference;
  m.order = plan.order;
  m.source = plan.source;
  m.source_chip = ChipOf(plan.source);
  m.destination = to_host ? kHost : plan.destination;
  m.destination_chip = to_host ? -1 : ChipOf(plan.destination);
  m.via_master = plan.via_master;
  m.words = words;
  m.start_ns = ready_ns;
  m.end_ns = ready_ns + chipd::LinkTransferNs(options_.link_model, words);
  m.link_j = chipd::LinkEnergyJ(options_.link_model, words);
  if (options_.schedule == Schedule::kSequential) cursor_ns_ = m.end_ns;
  state.end_ns = std::max(state.end_ns, m.end_ns);
  record.messages.push_back(m);
  return m.end_ns;
}

absl::Status ExperimentRunner::RouteToHost(const chipd::OutboundMessage& out, int64_t sent_ns,
                                           InferenceState& state, RunRecord& record) {
  const MessagePlan& plan = partition_.messages[out.message];
  const partitioner::SliceContext ctx{partition_, graph_, weights_};
  RETURN_IF_ERROR(partitioner::DecodeMessage(ctx, plan, out.payload, state.result.host, kHost));
  const int64_t depart = options_.schedule == Schedule::kSequential ? cursor_ns_ : sent_ns;
  const int64_t arrived = Transfer(plan, static_cast<int64_t>(out.payload.size()), depart,
                                   state, record);
  for (const partitioner::Segment& s : plan.payload) {
    if (s.is_constant()) continue;
    int64_t& ready = state.host_ready_ns[s.tensor];
    ready = std::max(ready, arrived);
  }
  return absl::OkStatus();
}

absl::Status ExperimentRunner::RunWakeUp(int s, InferenceState& state, RunRecord& record) {
  const partitioner::ChipSlice& slice = partition_.chips[s];
  const partitioner::SliceContext ctx{partition_, graph_, weights_};
  const bool sequential = options_.schedule == Schedule::kSequential;
  // The host's messages first, then the chips' in sender execution order:
  // the order of the paper's input stream.
  absl::InlinedVector<std::pair<const MessagePlan*, Words>, 2> from_host;
  for (const MessagePlan* m : inbound_[s]) {
    if (m->source != kHost || !partitioner::GuardHolds(state.result.host, m->guard)) continue;
    ASSIGN_OR_RETURN(partitioner::SentMessage sent,
                     partitioner::EncodeMessage(ctx, *m, state.result.host));
    from_host.emplace_back(m, std::move(sent.payload));
  }
  if (from_host.empty() && state.pending[s].empty()) return absl::OkStatus();  // path not taken

  const bool keep_streams = options_.keep_streams;
  chipd::ExecuteRequest& request = request_;
  request.wake_up = slice.label;
  request.return_out_stream = keep_streams;
  request.inbox.clear();  // the last wake-up's payloads go; the capacity stays
  request.inbox.reserve(from_host.size() + state.pending[s].size());
  // The chip's input stream as the paper records it: mode word, payload,
  // terminator; sized up front.
  Words in_stream;
  if (keep_streams) {
    size_t stream_words = 2;
    for (const auto& [plan, words] : from_host) stream_words += words.size();
    for (const Pending& p : state.pending[s]) stream_words += p.message.payload.size();
    in_stream.reserve(stream_words);
    in_stream.push_back(slice.mode_word);
  }
  int64_t start = sequential ? cursor_ns_ : std::max(state.start_ns, chip_free_ns_[slice.chip]);
  for (auto& [plan, words] : from_host) {
    int64_t depart = sequential ? cursor_ns_ : state.start_ns;
    if (!sequential) {
      for (const partitioner::Segment& seg : plan->payload) {
        auto it = state.host_ready_ns.find(seg.tensor);
        if (!seg.is_constant() && it != state.host_ready_ns.end()) {
          depart = std::max(depart, it->second);
        }
      }
    }
    start = std::max(start, Transfer(*plan, static_cast<int64_t>(words.size()), depart, state,
                                     record));
    if (keep_streams) in_stream.insert(in_stream.end(), words.begin(), words.end());
    request.inbox.push_back(chipd::InboundMessage{plan->order, kHost, std::move(words)});
  }
  for (Pending& p : state.pending[s]) {
    const MessagePlan& plan = partition_.messages[p.message.message];
    const int64_t words = static_cast<int64_t>(p.message.payload.size());
    start = std::max(start, Transfer(plan, words, sequential ? cursor_ns_ : p.sent_ns, state,
                                     record));
    if (keep_streams) {
      in_stream.insert(in_stream.end(), p.message.payload.begin(), p.message.payload.end());
    }
    request.inbox.push_back(std::move(p.message));
  }
  state.pending[s].clear();
  if (keep_streams) in_stream.push_back(partitioner::kTerminatorWord);
  request.start_ns = start;

  absl::StatusOr<chipd::ExecuteResult> result = fleet_->Execute(slice.chip, request);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("inference ", state.inference, ", wake-up '", slice.label,
                                     "' on ", fleet_->Describe(slice.chip), ": ",
                                     result.status().message()));
  }
  WakeUpRecord w;
  w.inference = state.inference;
  w.wake_up = s;
  w.label = slice.label;
  w.chip = slice.chip;
  w.start_ns = result->start_ns;
  w.end_ns = result->end_ns;
  w.words_in = result->words_in;
  w.words_out = result->words_out;
  w.cycles = result->cycles;
  w.energy = result->energy;
  w.intervals = std::move(result->intervals);
  w.steps = std::move(result->steps);
  record.wake_ups.push_back(std::move(w));
  if (options_.observer != nullptr) RETURN_IF_ERROR(options_.observer->OnWakeUp(record));
  state.result.chips.push_back(partitioner::ChipRun{
      slice.label, slice.chip, std::move(in_stream), std::move(result->out_stream)});
  state.end_ns = std::max(state.end_ns, result->end_ns);
  if (sequential) {
    cursor_ns_ = result->end_ns;
  } else {
    chip_free_ns_[slice.chip] = result->end_ns;
  }

  for (chipd::OutboundMessage& out : result->outbox) {
    const int n = static_cast<int>(partition_.chips.size());
    if (out.message < 0 || out.message >= static_cast<int>(partition_.messages.size()) ||
        partition_.messages[out.message].source != s ||
        (out.destination != kHost && (out.destination <= s || out.destination >= n))) {
      return absl::InternalError(absl::StrCat(
          "inference ", state.inference, ": ", fleet_->Describe(slice.chip), " (wake-up '",
          slice.label, "') sent message ", out.message, " to ", out.destination,
          ", which the plan of ", partition_.messages.size(), " messages and ", n,
          " wake-ups does not have it send"));
    }
    if (out.destination == kHost || out.via_master) {
      RETURN_IF_ERROR(RouteToHost(out, result->end_ns, state, record));
    } else {
      state.pending[out.destination].push_back(
          Pending{chipd::InboundMessage{out.message, s, std::move(out.payload)},
                  result->end_ns});
    }
  }
  return absl::OkStatus();
}

}  // namespace illusion::coordinator
