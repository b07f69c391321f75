#include "coordinator/server/coordinator_core.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <streambuf>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "coordinator/accounting.h"
#include "coordinator/backends/fleet_factories.h"
#include "coordinator/experiment.h"
#include "coordinator/recording/report_json.h"
#include "coordinator/server/wear_summary.h"
#include "coordinator/recording/store_recorder.h"
#include "coordinator/recording/stream_export.h"
#include "coordinator/server/experiment_spec.h"
#include "coordinator/server/timeline_text.h"
#include "google/protobuf/util/json_util.h"
#include "store/export.h"

namespace illusion::coordinator {
namespace {

using illusion::v1::ExperimentReport;
using illusion::v1::RunProgress;

constexpr size_t kChunkBytes = size_t{1} << 20;

// Sends what is written to it to a sink in pieces of at most kChunkBytes.
class ChunkingBuffer : public std::streambuf {
 public:
  explicit ChunkingBuffer(absl::FunctionRef<absl::Status(absl::string_view)> sink)
      : sink_(sink) {
    buffer_.resize(kChunkBytes);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  // Sends the rest; the first sink error.
  absl::Status Finish() {
    Send();
    return status_;
  }

 protected:
  int overflow(int c) override {
    if (!Send()) return traits_type::eof();
    if (c != traits_type::eof()) {
      *pptr() = static_cast<char>(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Send() ? 0 : -1; }

 private:
  bool Send() {
    const size_t n = static_cast<size_t>(pptr() - pbase());
    if (n > 0 && status_.ok()) status_ = sink_(absl::string_view(pbase(), n));
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return status_.ok();
  }
  absl::FunctionRef<absl::Status(absl::string_view)> sink_;
  std::vector<char> buffer_;
  absl::Status status_;
};

// Forwards to the StoreRecorder and reports progress (throttled).
class ProgressObserver : public ExperimentObserver {
 public:
  ProgressObserver(StoreRecorder* recorder, const CoordinatorCore::ProgressFn& progress,
                   int64_t experiment_id, int inferences, absl::Duration interval)
      : recorder_(recorder), progress_(progress), experiment_id_(experiment_id),
        inferences_(inferences), interval_(interval), start_(absl::Now()), watch_(this) {}

  absl::Status OnRunStart(RunPhase phase, const partitioner::Partition& partition,
                          const illusion::v1::ChipModel& model, const ChipFleet& fleet) override {
    RETURN_IF_ERROR(recorder_->OnRunStart(phase, partition, model, fleet));
    phase_ = phase;
    done_ = 0;
    chip_ = -1;
    wake_up_.clear();
    return Send(/*force=*/true);
  }
  RunObserver* RunObserverFor(RunPhase phase) override {
    inner_ = recorder_->RunObserverFor(phase);
    return &watch_;
  }
  absl::Status OnWearRound(RunPhase phase, const WearRound& round) override {
    return recorder_->OnWearRound(phase, round);
  }
  void OnRunEnd(RunPhase phase, const absl::Status& status, const RunRecord& record,
                const Account* account) override {
    recorder_->OnRunEnd(phase, status, record, account);
  }

  double elapsed_s() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

  RunProgress Progress(absl::string_view phase) const {
    RunProgress p;
    p.set_experiment_id(experiment_id_);
    p.set_phase(std::string(phase));
    p.set_inferences_done(done_);
    p.set_inferences_total(inferences_);
    p.set_current_chip(chip_);
    p.set_current_wake_up(wake_up_);
    p.set_elapsed_s(elapsed_s());
    p.set_run_id(phase_ == RunPhase::kRun ? recorder_->run_id() : recorder_->baseline_run_id());
    return p;
  }

 private:
  // Watches one phase's run.
  class Watch : public RunObserver {
   public:
    explicit Watch(ProgressObserver* owner) : owner_(owner) {}
    absl::Status OnWakeUp(const RunRecord& record) override {
      if (owner_->inner_ != nullptr) RETURN_IF_ERROR(owner_->inner_->OnWakeUp(record));
      owner_->chip_ = record.wake_ups.back().chip;
      owner_->wake_up_ = record.wake_ups.back().label;
      return owner_->Send(/*force=*/false);
    }
    absl::Status OnInference(const RunRecord& record) override {
      if (owner_->inner_ != nullptr) RETURN_IF_ERROR(owner_->inner_->OnInference(record));
      owner_->done_ = static_cast<int>(record.inferences.size());
      return owner_->Send(/*force=*/owner_->done_ == owner_->inferences_);
    }

   private:
    ProgressObserver* const owner_;
  };

  absl::Status Send(bool force) {
    if (!progress_) return absl::OkStatus();
    const absl::Time now = absl::Now();
    if (!force && now - last_sent_ < interval_) return absl::OkStatus();
    last_sent_ = now;
    return progress_(Progress(RunPhaseName(phase_)));
  }

  StoreRecorder* const recorder_;
  const CoordinatorCore::ProgressFn& progress_;
  const int64_t experiment_id_;
  const int inferences_;
  const absl::Duration interval_;
  const absl::Time start_;
  Watch watch_;
  RunObserver* inner_ = nullptr;
  RunPhase phase_ = RunPhase::kRun;
  int done_ = 0;
  int chip_ = -1;
  std::string wake_up_;
  absl::Time last_sent_ = absl::InfinitePast();
};

bool IsBaseline(const store::RunRecord& run) {
  return run.spec.phase == "baseline";
}

chipd::PowerState StateFromStore(absl::string_view name) {
  if (name == "active") return chipd::PowerState::kActive;
  if (name == "wake_up") return chipd::PowerState::kWaking;
  if (name == "shut_down") return chipd::PowerState::kShuttingDown;
  return chipd::PowerState::kOff;
}

void FillNumbers(const Report& report, ExperimentReport& out) {
  out.set_inferences(report.run.inferences);
  out.set_chips(static_cast<int>(report.run.chips.size()));
  out.set_energy_j(report.run.energy_j);
  out.set_time_s(report.run.time_s());
  out.set_edp_js(report.run.edp_js());
  if (report.baseline.chips.empty()) return;
  out.set_baseline_energy_j(report.baseline.energy_j);
  out.set_baseline_time_s(report.baseline.time_s());
  out.set_baseline_edp_js(report.baseline.edp_js());
  out.set_energy_ratio(report.energy_ratio);
  out.set_time_ratio(report.time_ratio);
  out.set_edp_ratio(report.edp_ratio);
}

}  // namespace

std::string SpecToJson(const illusion::v1::ExperimentSpec& spec) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(spec, &json, options);
  return json;
}

absl::StatusOr<illusion::v1::ExperimentSpec> SpecFromJson(absl::string_view json) {
  illusion::v1::ExperimentSpec spec;
  const auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &spec);
  if (!status.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored experiment spec does not parse: ", status.ToString()));
  }
  return spec;
}

absl::StatusOr<std::unique_ptr<CoordinatorCore>> CoordinatorCore::Create(
    CoordinatorOptions options) {
  std::string path = options.database;
  if (path.empty()) {
    absl::StatusOr<std::string> p = store::TraceStore::DefaultPath();
    if (!p.ok()) return absl::Status(p.status().code(), absl::StrCat("trace store: ", p.status().message()));
    path = *p;
  }
  absl::StatusOr<std::unique_ptr<store::TraceStore>> s = store::TraceStore::Open(path);
  if (!s.ok()) {
    return absl::Status(s.status().code(),
                        absl::StrCat("trace store ", path, ": ", s.status().message()));
  }
  return std::unique_ptr<CoordinatorCore>(
      new CoordinatorCore(std::move(options), std::move(path), *std::move(s)));
}

absl::StatusOr<illusion::v1::Experiment> CoordinatorCore::CreateExperiment(
    const illusion::v1::ExperimentSpec& spec) {
  ASSIGN_OR_RETURN(ResolvedSpec resolved, ResolveSpec(spec));
  ASSIGN_OR_RETURN(const int64_t id,
                   store_->CreateExperiment(resolved.spec.name(), SpecToJson(resolved.spec)));
  return LoadExperiment(id);
}

absl::StatusOr<illusion::v1::Experiment> CoordinatorCore::LoadExperiment(int64_t id) {
  ASSIGN_OR_RETURN(std::vector<store::ExperimentRecord> all, store_->ListExperiments());
  for (const store::ExperimentRecord& e : all) {
    if (e.id != id) continue;
    illusion::v1::Experiment out;
    out.set_id(e.id);
    out.set_created_at(e.created_at);
    ASSIGN_OR_RETURN(*out.mutable_spec(), SpecFromJson(e.config_json));
    return out;
  }
  return absl::NotFoundError(absl::StrCat("no experiment ", id, " in ", database_));
}

absl::StatusOr<ExperimentReport> CoordinatorCore::RunExperiment(
    const illusion::v1::RunExperimentRequest& request, const ProgressFn& progress) {
  illusion::v1::Experiment experiment;
  if (request.has_spec()) {
    ASSIGN_OR_RETURN(experiment, CreateExperiment(request.spec()));
  } else {
    ASSIGN_OR_RETURN(experiment, LoadExperiment(request.experiment_id()));
  }
  ASSIGN_OR_RETURN(ResolvedSpec resolved, ResolveSpec(experiment.spec()));
  ExperimentConfig& config = resolved.config;

  StoreRecorderOptions recorder_options = RecorderOptionsFor(config);
  recorder_options.backend = std::string(BackendName(resolved.backend));
  switch (resolved.backend) {
    case Backend::kInProcess:
      break;
    case Backend::kLoopback: {
      LoopbackOptions loopback = options_.loopback;
      loopback.chip_model = config.chip_model;
      config.fleet_factory = LoopbackFleetFactory(loopback);
      config.baseline_fleet_factory = config.fleet_factory;
      recorder_options.baseline_backend = "loopback";
      break;
    }
    case Backend::kGrpc:
      config.fleet_factory = GrpcFleetFactory(resolved.endpoints, options_.grpc);
      break;
  }

  if (progress) {
    RunProgress starting;
    starting.set_experiment_id(experiment.id());
    starting.set_phase("starting");
    starting.set_inferences_total(config.inferences);
    starting.set_current_chip(-1);
    RETURN_IF_ERROR(progress(starting));
  }
  StoreRecorder recorder(store_.get(), experiment.id(), recorder_options);
  ProgressObserver observer(&recorder, progress, experiment.id(), config.inferences,
                            absl::Milliseconds(options_.progress_interval_ms));
  config.observer = &observer;
  // Streams are only kept for export: a long run would otherwise hold about
  // twice its message words in memory.
  config.keep_streams = !experiment.spec().export_streams_dir().empty();
  absl::StatusOr<ExperimentResult> result = coordinator::RunExperiment(config);
  if (!result.ok()) return result.status();
  RETURN_IF_ERROR(recorder.status());

  ExperimentReport report;
  report.set_experiment_id(experiment.id());
  report.set_run_id(recorder.run_id());
  report.set_baseline_run_id(recorder.baseline_run_id());
  report.set_status("complete");
  report.set_database(database_);
  for (const InferenceRecord& i : result->run.inferences) report.add_classes(i.class_id);
  for (const InferenceRecord& i : result->baseline_run.inferences) {
    report.add_baseline_classes(i.class_id);
  }
  FillNumbers(result->report, report);
  ASSIGN_OR_RETURN(*report.mutable_report_json(), store_->GetReport(recorder.run_id()));
  if (!result->wear_rounds.empty()) *report.mutable_wear() = WearSummaryOf(result->wear_rounds);
  report.set_report_text(absl::StrCat(
      FormatTimeline(TimelineIntervals(result->run), result->run.num_chips, result->run.end_ns),
      FormatReport(result->report), FormatWearSummary(report.wear())));
  if (!experiment.spec().export_streams_dir().empty()) {
    RETURN_IF_ERROR(ExportStreams(result->run, result->run.num_chips, config.workload,
                                  experiment.spec().export_streams_dir()));
    report.set_streams_dir(experiment.spec().export_streams_dir());
  }
  if (progress) {
    RunProgress done = observer.Progress("done");
    done.set_inferences_done(static_cast<int>(result->run.inferences.size()));
    done.set_run_id(recorder.run_id());
    *done.mutable_report() = report;
    RETURN_IF_ERROR(progress(done));
  }
  return report;
}

absl::Status CoordinatorCore::FillFromStore(int64_t run_id, ExperimentReport& out) {
  ASSIGN_OR_RETURN(store::RunRecord run, store_->GetRun(run_id));
  out.set_experiment_id(run.spec.experiment_id);
  out.set_run_id(run.id);
  out.set_status(std::string(store::RunStatusName(run.status)));
  out.set_error(run.error);
  out.set_chips(run.spec.chip_count);
  out.set_database(database_);
  absl::StatusOr<std::string> json = store_->GetReport(run_id);
  if (!json.ok()) {
    if (!absl::IsNotFound(json.status())) return json.status();
    return absl::FailedPreconditionError(absl::StrCat(
        "run ", run_id, " has no report: it is ", store::RunStatusName(run.status),
        run.error.empty() ? "" : absl::StrCat(" (", run.error, ")")));
  }
  ASSIGN_OR_RETURN(ReportDocument doc, ParseReportDocument(*json));
  out.set_baseline_run_id(doc.baseline_run_id);
  FillNumbers(doc.report, out);
  out.set_report_json(*json);
  ASSIGN_OR_RETURN(std::vector<store::PowerIntervalRecord> rows,
                   store_->GetPowerIntervals(run_id));
  std::vector<TimelineInterval> intervals;
  intervals.reserve(rows.size());
  for (const store::PowerIntervalRecord& r : rows) {
    intervals.push_back(TimelineInterval{r.chip, StateFromStore(r.state),
                                         static_cast<int64_t>(r.start_s * 1e9 + 0.5),
                                         static_cast<int64_t>(r.end_s * 1e9 + 0.5)});
  }
  ASSIGN_OR_RETURN(illusion::v1::WearSummary wear, WearSummaryFromStore(*store_, run_id));
  if (!wear.mode().empty()) *out.mutable_wear() = std::move(wear);
  out.set_report_text(absl::StrCat(
      FormatTimeline(intervals, run.spec.chip_count, doc.report.run.time_ns),
      FormatReport(doc.report), FormatWearSummary(out.wear())));
  return absl::OkStatus();
}

absl::StatusOr<ExperimentReport> CoordinatorCore::GetReport(
    const illusion::v1::GetReportRequest& request) {
  int64_t run_id = request.run_id();
  if (run_id == 0) {
    if (request.experiment_id() == 0) {
      return absl::InvalidArgumentError("give run_id or experiment_id");
    }
    RETURN_IF_ERROR(LoadExperiment(request.experiment_id()).status());
    ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store_->ListRuns(1 << 20));
    for (const store::RunRecord& r : runs) {
      if (r.spec.experiment_id == request.experiment_id() && !IsBaseline(r)) {
        run_id = r.id;
        break;
      }
    }
    if (run_id == 0) {
      return absl::NotFoundError(
          absl::StrCat("experiment ", request.experiment_id(), " has not been run"));
    }
  }
  ExperimentReport report;
  RETURN_IF_ERROR(FillFromStore(run_id, report));
  return report;
}

absl::StatusOr<illusion::v1::ListExperimentsResponse> CoordinatorCore::ListExperiments(
    const illusion::v1::ListExperimentsRequest& request) {
  const int limit = request.limit() > 0 ? request.limit() : 50;
  ASSIGN_OR_RETURN(std::vector<store::ExperimentRecord> experiments, store_->ListExperiments());
  std::sort(experiments.begin(), experiments.end(),
            [](const auto& a, const auto& b) { return a.id > b.id; });
  if (static_cast<int>(experiments.size()) > limit) experiments.resize(limit);
  ASSIGN_OR_RETURN(std::vector<store::RunRecord> runs, store_->ListRuns(1 << 20));
  std::map<int64_t, std::vector<const store::RunRecord*>> by_experiment;
  for (const store::RunRecord& r : runs) by_experiment[r.spec.experiment_id].push_back(&r);

  illusion::v1::ListExperimentsResponse out;
  for (const store::ExperimentRecord& e : experiments) {
    illusion::v1::ExperimentSummary* s = out.add_experiments();
    s->mutable_experiment()->set_id(e.id);
    s->mutable_experiment()->set_created_at(e.created_at);
    absl::StatusOr<illusion::v1::ExperimentSpec> spec = SpecFromJson(e.config_json);
    if (spec.ok()) {
      *s->mutable_experiment()->mutable_spec() = *std::move(spec);
    } else {
      s->mutable_experiment()->mutable_spec()->set_name(e.name);
    }
    for (const store::RunRecord* r : by_experiment[e.id]) {
      illusion::v1::RunSummary* run = s->add_runs();
      run->set_run_id(r->id);
      run->set_role(IsBaseline(*r) ? "baseline" : "run");
      run->set_status(std::string(store::RunStatusName(r->status)));
      run->set_chips(r->spec.chip_count);
      run->set_started_at(r->started_at);
      run->set_error(r->error);
    }
  }
  return out;
}

absl::Status CoordinatorCore::ExportTrace(
    const illusion::v1::GetTraceRequest& request,
    absl::FunctionRef<absl::Status(absl::string_view)> sink) {
  ASSIGN_OR_RETURN(store::ExportFormat format,
                   store::ParseExportFormat(request.format().empty() ? "csv" : request.format()));
  if (request.run_id() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("run_id must be a run's id (> 0); got ", request.run_id()));
  }
  ChunkingBuffer buffer(sink);
  std::ostream out(&buffer);
  const absl::Status exported =
      store::ExportTable(*store_, request.table(), format, request.run_id(), out);
  out.flush();
  const absl::Status sent = buffer.Finish();
  RETURN_IF_ERROR(exported);
  return sent;
}

}  // namespace illusion::coordinator
