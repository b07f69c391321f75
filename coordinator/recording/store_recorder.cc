#include "coordinator/recording/store_recorder.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chipd/cost_model.h"
#include "chipd/memory_planner.h"
#include "common/status_macros.h"
#include "coordinator/deploy.h"
#include "endurer/endurer_state.h"
#include "endurer/mode.h"
#include "nlohmann/json.hpp"
#include "nn/workloads.h"
#include "partitioner/paper/paper_partition.h"
#include "partitioner/slice_buffers.h"

namespace illusion::coordinator {

// The RunObserver of one phase: flushes the phase's new rows after every
// inference. Owned by its StoreRecorder, which it calls back; not
// thread-safe.
class StoreRecorder::PhaseObserver : public RunObserver {
 public:
  PhaseObserver(StoreRecorder* recorder, RunPhase phase) : recorder_(recorder), phase_(phase) {}
  absl::Status OnInference(const RunRecord& record) override {
    if (!recorder_->status_.ok()) return recorder_->status_;
    return recorder_->Flush(recorder_->PhaseOf(phase_), record);
  }

 private:
  StoreRecorder* const recorder_;
  const RunPhase phase_;
};

namespace {

absl::Status WithContext(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("trace store: ", context, ": ", s.message()));
}

std::string OpsJson(const partitioner::ChipSlice& slice) {
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const partitioner::ChipStep& step : slice.steps) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["kind"] = std::string(partitioner::StepKindName(step.kind));
    j["op"] = step.op;
    j["out"] = {step.out.begin, step.out.end};
    if (step.kind == partitioner::StepKind::kPartialSums) j["in"] = {step.in.begin, step.in.end};
    if (step.guard.has_value()) {
      j["guard"] = {{"tensor", step.guard->tensor}, {"value", step.guard->value}};
    }
    ops.push_back(std::move(j));
  }
  return ops.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The graph the partition is of: PaperGraph of its workload name.
absl::StatusOr<nn::Graph> GraphOf(const partitioner::Partition& partition) {
  absl::StatusOr<nn::Workload> workload = nn::ParseWorkload(partition.graph_name);
  if (!workload.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("partition of graph '", partition.graph_name,
                     "' is not of a workload; pass StoreRecorderOptions::graph (",
                     workload.status().message(), ")"));
  }
  return partitioner::PaperGraph(*workload);
}

}  // namespace

// ---- Row conversions ----

absl::string_view StoreStateName(chipd::PowerState state) {
  switch (state) {
    case chipd::PowerState::kOff:
      return "sleep";
    case chipd::PowerState::kWaking:
      return "wake_up";
    case chipd::PowerState::kActive:
      return "active";
    case chipd::PowerState::kShuttingDown:
      return "shut_down";
  }
  return "unknown";
}

double StoreSeconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::vector<store::PowerIntervalRecord> PowerIntervalRows(const WakeUpRecord& w) {
  std::vector<store::PowerIntervalRecord> rows;
  rows.reserve(w.intervals.size());
  for (const chipd::PowerInterval& i : w.intervals) {
    rows.push_back(
        store::PowerIntervalRecord{w.inference, w.chip, std::string(StoreStateName(i.state)),
                                   StoreSeconds(i.start_ns), StoreSeconds(i.end_ns), i.energy_j});
  }
  return rows;
}

store::MessageRecord MessageRow(const MessageRecord& m) {
  store::MessageRecord row;
  row.inference = m.inference;
  row.seq = m.seq;
  row.source = m.source_chip < 0 ? store::MessageRecord::kCoordinator : m.source_chip;
  row.destination =
      m.destination_chip < 0 ? store::MessageRecord::kCoordinator : m.destination_chip;
  row.words = m.words;
  row.bytes = 2 * m.words;
  row.start_s = StoreSeconds(m.start_ns);
  row.end_s = StoreSeconds(m.end_ns);
  row.energy_j = m.link_j;
  return row;
}

std::vector<store::LayerExecutionRecord> LayerExecutionRows(const WakeUpRecord& w,
                                                            const illusion::v1::ChipModel& model) {
  // The active interval: ChipRuntime::Execute records waking, one active
  // stretch and shutting down. Without one (no work) start after waking.
  int64_t active_start = w.start_ns;
  int64_t active_end = w.end_ns;
  for (const chipd::PowerInterval& i : w.intervals) {
    if (i.state == chipd::PowerState::kWaking) active_start = active_end = i.end_ns;
    if (i.state == chipd::PowerState::kActive) {
      active_start = i.start_ns;
      active_end = i.end_ns;
      break;
    }
  }
  std::vector<store::LayerExecutionRecord> rows;
  rows.reserve(w.steps.size());
  // The chip boots and reads its input before the first step (cost_model.h).
  double cycles = w.cycles.boot + w.cycles.receive;
  for (const chipd::StepExecution& step : w.steps) {
    const int64_t start = std::min(active_end, active_start + chipd::CyclesToNs(model, cycles));
    cycles += step.cycles;
    const int64_t end = std::min(active_end, active_start + chipd::CyclesToNs(model, cycles));
    store::LayerExecutionRecord row;
    row.inference = w.inference;
    row.chip = w.chip;
    row.op = step.op;
    row.out_begin = step.out_begin;
    row.out_end = step.out_end;
    row.cycles = std::llround(step.cycles);
    row.start_s = StoreSeconds(start);
    row.end_s = StoreSeconds(end);
    row.energy_j = model.active_power_w() * step.cycles / model.clock_hz() +
                   model.mac_energy_j() * static_cast<double>(step.macs);
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<store::SliceRecord>> SliceRows(const partitioner::Partition& partition,
                                                          const nn::Graph& graph) {
  std::vector<store::SliceRecord> rows;
  for (int w = 0; w < static_cast<int>(partition.chips.size()); ++w) {
    const partitioner::ChipSlice& slice = partition.chips[w];
    ASSIGN_OR_RETURN(std::vector<partitioner::SliceBuffer> buffers,
                     partitioner::SliceBuffers(partition, graph, w));
    std::vector<chipd::BufferUse> uses;
    for (const partitioner::SliceBuffer& b : buffers) {
      uses.push_back(chipd::BufferUse{b.tensor, b.bytes, b.first_step, b.last_step});
    }
    // ChipRuntime::LoadSlice's planner options: 16-bit words, no limit.
    ASSIGN_OR_RETURN(chipd::MemoryPlan plan, chipd::PlanMemory(uses, chipd::PlannerOptions{2, 0}));
    rows.push_back(store::SliceRecord{slice.chip, slice.label, OpsJson(slice), slice.weight_bytes,
                                      plan.peak_bytes});
  }
  return rows;
}

// ---- StoreRecorder ----

StoreRecorderOptions RecorderOptionsFor(const ExperimentConfig& config) {
  StoreRecorderOptions options;
  options.schedule = std::string(ScheduleName(config.schedule));
  return options;
}

StoreRecorder::StoreRecorder(store::TraceStore* store, int64_t experiment_id,
                             StoreRecorderOptions options)
    : store_(store), experiment_id_(experiment_id), options_(std::move(options)) {}

StoreRecorder::~StoreRecorder() = default;

absl::Status StoreRecorder::Fail(absl::Status s) {
  if (status_.ok()) status_ = s;
  return s;
}

absl::Status StoreRecorder::OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                                       const illusion::v1::ChipModel& model,
                                       const ChipFleet& fleet) {
  if (!status_.ok()) return status_;
  Phase& p = PhaseOf(phase);
  if (p.run_id != 0) {
    return absl::FailedPreconditionError(absl::StrCat("the store recorder already recorded the ",
                                                      RunPhaseName(phase), " phase (run ", p.run_id,
                                                      "); use one StoreRecorder per experiment"));
  }
  return StartPhase(phase, partition, model, fleet);
}

absl::Status StoreRecorder::StartPhase(RunPhase phase, const partitioner::Partition& partition,
                                       const illusion::v1::ChipModel& model,
                                       const ChipFleet& fleet) {
  // Everything that can fail without the store first: no half-started run.
  std::vector<store::SliceRecord> slices;
  if (options_.graph != nullptr) {
    ASSIGN_OR_RETURN(slices, SliceRows(partition, *options_.graph));
  } else {
    ASSIGN_OR_RETURN(nn::Graph graph, GraphOf(partition));
    ASSIGN_OR_RETURN(slices, SliceRows(partition, graph));
  }
  store::RunSpec spec;
  spec.experiment_id = experiment_id_;
  spec.strategy = std::string(partitioner::StrategyName(partition.strategy));
  spec.phase = std::string(RunPhaseName(phase));
  spec.backend = phase == RunPhase::kRun ? options_.backend : options_.baseline_backend;
  spec.schedule = options_.schedule;
  spec.chip_count = PhysicalChipCount(partition);
  std::vector<store::ChipRecord> chips;
  for (int k = 0; k < spec.chip_count; ++k) {
    chips.push_back(store::ChipRecord{k, model.name(), fleet.Describe(k)});
  }

  const std::string what = absl::StrCat(RunPhaseName(phase), " of experiment ", experiment_id_);
  absl::StatusOr<int64_t> run_id = store_->StartRun(spec);
  if (!run_id.ok()) return Fail(WithContext(run_id.status(), absl::StrCat("starting the ", what)));
  Phase& p = PhaseOf(phase);
  p.run_id = *run_id;
  p.model = model;
  p.observer = std::make_unique<PhaseObserver>(this, phase);
  absl::Status s = WithContext(store_->AddChips(p.run_id, chips),
                               absl::StrCat("run ", p.run_id, ": adding ", chips.size(), " chips"));
  if (s.ok()) {
    s = WithContext(store_->AddSlices(p.run_id, slices),
                    absl::StrCat("run ", p.run_id, ": adding ", slices.size(), " slices"));
  }
  if (!s.ok()) {
    p.ended = true;
    (void)store_->FinishRun(p.run_id, store::RunStatus::kFailed, s.ToString());
    return Fail(s);
  }
  return absl::OkStatus();
}

RunObserver* StoreRecorder::RunObserverFor(RunPhase phase) { return PhaseOf(phase).observer.get(); }

absl::Status StoreRecorder::Flush(Phase& p, const RunRecord& record) {
  const auto context = [&](size_t rows, absl::string_view table) {
    return absl::StrCat("run ", p.run_id, ": appending ", rows, " ", table, " of inference ",
                        record.wake_ups.empty() ? 0 : record.wake_ups.back().inference);
  };
  std::vector<store::PowerIntervalRecord> intervals;
  for (size_t w = p.intervals_flushed; w < record.wake_ups.size(); ++w) {
    std::vector<store::PowerIntervalRecord> rows = PowerIntervalRows(record.wake_ups[w]);
    intervals.insert(intervals.end(), rows.begin(), rows.end());
  }
  if (!intervals.empty()) {
    RETURN_IF_ERROR(Fail(WithContext(store_->AppendPowerIntervals(p.run_id, intervals),
                                     context(intervals.size(), "power intervals"))));
  }
  p.intervals_flushed = record.wake_ups.size();

  std::vector<store::MessageRecord> messages;
  for (size_t m = p.messages_flushed; m < record.messages.size(); ++m) {
    messages.push_back(MessageRow(record.messages[m]));
  }
  if (!messages.empty()) {
    RETURN_IF_ERROR(Fail(WithContext(store_->AppendMessages(p.run_id, messages),
                                     context(messages.size(), "messages"))));
  }
  p.messages_flushed = record.messages.size();

  std::vector<store::LayerExecutionRecord> steps;
  for (size_t w = p.steps_flushed; w < record.wake_ups.size(); ++w) {
    std::vector<store::LayerExecutionRecord> rows = LayerExecutionRows(record.wake_ups[w], p.model);
    steps.insert(steps.end(), rows.begin(), rows.end());
  }
  if (!steps.empty()) {
    RETURN_IF_ERROR(Fail(WithContext(store_->AppendLayerExecutions(p.run_id, steps),
                                     context(steps.size(), "layer executions"))));
  }
  p.steps_flushed = record.wake_ups.size();
  return absl::OkStatus();
}

absl::Status StoreRecorder::OnWearRound(RunPhase phase, const WearRound& round) {
  Phase& p = phases_[phase == RunPhase::kRun ? 0 : 1];
  if (p.run_id == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "wear round of inference ", round.inference, " before the ", RunPhaseName(phase),
        " phase started"));
  }
  auto context = [&](size_t rows, absl::string_view table) {
    return absl::StrCat("run ", p.run_id, ": appending ", rows, " ", table,
                        " of the wear round after inference ", round.inference);
  };
  std::vector<store::ChipWearRecord> chips;
  for (size_t chip = 0; chip < round.chips.size(); ++chip) {
    const chipd::WearReport& w = round.chips[chip];
    int hosted = static_cast<int>(chip);
    for (size_t v = 0; v < round.state.v2p.size(); ++v) {
      if (round.state.v2p[v] == chip) hosted = static_cast<int>(v);
    }
    chips.push_back({round.inference, static_cast<int>(chip), hosted,
                     static_cast<int64_t>(w.write_count), static_cast<int64_t>(w.pending),
                     static_cast<int64_t>(w.remaps), static_cast<int64_t>(w.offset)});
  }
  RETURN_IF_ERROR(Fail(WithContext(store_->AppendChipWear(p.run_id, chips),
                                   context(chips.size(), "chip_wear rows"))));
  std::vector<store::WearEventRecord> events;
  for (const WearRemap& r : round.remaps) {
    events.push_back({round.inference, p.wear_events++, "remap", r.physical_chip, -1,
                      r.virtual_chip, static_cast<int64_t>(r.outcome.shift),
                      static_cast<int64_t>(r.outcome.writes), round.state.policy.eps});
  }
  if (round.swap.has_value()) {
    const WearSwap& w = *round.swap;
    events.push_back({round.inference, p.wear_events++, "swap", w.heavy, w.light,
                      w.heavy_virtual, 0, 2 * static_cast<int64_t>(round.state.segment_words),
                      w.eps_after});
  }
  if (!events.empty()) {
    RETURN_IF_ERROR(Fail(WithContext(store_->AppendWearEvents(p.run_id, events),
                                     context(events.size(), "wear_events rows"))));
  }
  const std::vector<store::EndurerStateRecord> states = {
      {round.inference, std::string(endurer::ModeName(round.state.mode)),
       static_cast<int64_t>(round.state.swap_count), round.state.policy.eps,
       endurer::SerializeEndurerState(round.state)}};
  return Fail(WithContext(store_->AppendEndurerStates(p.run_id, states),
                          context(1, "endurer_states row")));
}

void StoreRecorder::OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                             const Account* account) {
  Phase& p = PhaseOf(phase);
  if (p.run_id == 0 || p.ended) return;
  p.ended = true;
  (void)Fail(EndPhase(phase, status, record, account));
}

absl::Status StoreRecorder::EndPhase(RunPhase phase, const absl::Status& status,
                                     const RunRecord& record, const Account* account) {
  Phase& p = PhaseOf(phase);
  // What ran since the last flush: the rest of a failed inference. Not after
  // a store error: the store refused rows already.
  absl::Status s = status_.ok() ? Flush(p, record) : status_;
  if (s.ok() && status.ok() && account != nullptr) {
    absl::StatusOr<std::vector<ChipTimeline>> timelines = SummarizeTimelines(record);
    // AccountRun accepted the same chips, so this cannot fail; if it did, the
    // report would simply carry no timelines.
    if (timelines.ok()) p.timelines = *std::move(timelines);
    ReportDocument doc;
    doc.kind = ReportKind::kAccount;
    doc.phase = std::string(RunPhaseName(phase));
    doc.report.run = *account;
    doc.run_timelines = p.timelines;
    s = WithContext(store_->PutReport(p.run_id, ReportDocumentToJson(doc)),
                    absl::StrCat("run ", p.run_id, ": storing the report"));
    if (s.ok()) {
      p.account = *account;
      s = WithContext(store_->FinishRun(p.run_id, store::RunStatus::kComplete, ""),
                      absl::StrCat("run ", p.run_id, ": finishing it complete"));
    }
  }
  if (!s.ok() || !status.ok() || account == nullptr) {
    // The run's own failure first; a store failure while ending it otherwise.
    const absl::Status& why = !status.ok() ? status : s;
    const std::string error = why.ok() ? std::string("ended without an account") : why.ToString();
    (void)store_->FinishRun(p.run_id, store::RunStatus::kFailed, error);
    return s;
  }
  const Phase& run = phases_[0];
  const Phase& baseline = phases_[1];
  if (phase == RunPhase::kBaseline && run.account.has_value() && baseline.account.has_value()) {
    ASSIGN_OR_RETURN(Report report, MakeReport(*run.account, *baseline.account));
    return PutExperimentReport(report);
  }
  return absl::OkStatus();
}

absl::Status StoreRecorder::PutExperimentReport(const Report& report) {
  const Phase& run = phases_[0];
  const Phase& baseline = phases_[1];
  if (run.run_id == 0) {
    return absl::FailedPreconditionError(
        "no run to store the experiment report on: the run phase has not started");
  }
  ReportDocument doc;
  doc.kind = ReportKind::kReport;
  doc.phase = std::string(RunPhaseName(RunPhase::kRun));
  doc.baseline_run_id = baseline.run_id;
  doc.report = report;
  if (run.timelines.size() == report.run.chips.size()) doc.run_timelines = run.timelines;
  if (baseline.timelines.size() == report.baseline.chips.size()) {
    doc.baseline_timelines = baseline.timelines;
  }
  return Fail(WithContext(store_->PutReport(run.run_id, ReportDocumentToJson(doc)),
                          absl::StrCat("run ", run.run_id, ": storing the experiment report")));
}

}  // namespace illusion::coordinator
