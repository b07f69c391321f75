#include "clients/coordinator_commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/coordinator_client.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "nn/raw_file.h"

namespace illusion::clients {
namespace {

namespace pb = illusion::v1;
using Options = CoordinatorCommandOptions;

// Where the commands send their requests: a remote coordinator, or a local
// one this process serves for the command's duration.
struct Session {
  std::unique_ptr<LocalCoordinator> local;
  std::unique_ptr<CoordinatorClient> client;
};

absl::StatusOr<Session> Open(const Options& o) {
  Session s;
  std::string address = o.coordinator;
  if (address.empty()) {
    coordinator::CoordinatorOptions local;
    local.database = o.database;
    local.loopback.chipd_binary = o.chipd;
    absl::StatusOr<std::unique_ptr<LocalCoordinator>> started = LocalCoordinator::Start(local);
    if (!started.ok()) return started.status();
    s.local = *std::move(started);
    address = s.local->address();
  }
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> client = CoordinatorClient::Connect(address);
  if (!client.ok()) return client.status();
  s.client = *std::move(client);
  return s;
}

int Fail(std::ostream& err, absl::string_view command, const absl::Status& status) {
  err << "illusionctl " << command << ": " << status.message() << "\n";
  return absl::IsInvalidArgument(status) ? 2 : 1;
}

// The file behind --flag, or InvalidArgument naming the flag and the path.
absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view flag) {
  absl::StatusOr<std::string> bytes = nn::ReadRawFile(path);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": ", bytes.status().message()));
  }
  return bytes;
}

// A path on the coordinator's host; local paths are made absolute.
std::string HostPath(const Options& o, const std::string& path) {
  if (path.empty() || !o.coordinator.empty()) return path;
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.string();
}

absl::StatusOr<pb::ExperimentSpec> SpecFromFlags(const Options& o) {
  pb::ExperimentSpec spec;
  if (o.workload.empty()) {
    return absl::InvalidArgumentError(
        "--workload is required (mnist, svhn, d2nn or kws_lstm)");
  }
  spec.set_name(o.name);
  spec.set_workload(o.workload);
  spec.set_strategy(o.strategy);
  spec.set_chips(o.chips);
  spec.set_memsize_mib(o.memsize_mib);
  spec.set_d2nn_nv(o.d2nn_nv);
  spec.set_chip_model(o.chip_model);
  spec.set_backend(o.backend);
  for (const std::string& e : o.chip_endpoints) spec.add_chip_endpoints(e);
  if (!o.chip_endpoints.empty() && o.backend.empty()) spec.set_backend("grpc");
  spec.set_weights_dir(HostPath(o, o.weights));
  spec.set_inferences(o.inferences);
  spec.set_input_seed(o.seed);
  spec.set_schedule(o.schedule);
  spec.set_export_streams_dir(HostPath(o, o.export_streams));
  spec.set_skip_baseline(o.no_baseline);
  spec.set_endurer(o.endurer);
  if (o.remap_period != -1) spec.set_remap_period(o.remap_period);
  spec.set_swap_policy(o.swap_policy);
  if (o.endurer_c != -1) spec.set_endurer_c(o.endurer_c);
  spec.set_endurer_seed(o.endurer_seed);
  if (!o.input.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(o.input, "input");
    if (!bytes.ok()) return bytes.status();
    spec.set_input(*std::move(bytes));
  }
  if (!o.initial_h.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(o.initial_h, "initial_h");
    if (!bytes.ok()) return bytes.status();
    spec.set_initial_h(*std::move(bytes));
  }
  if (!o.initial_c.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(o.initial_c, "initial_c");
    if (!bytes.ok()) return bytes.status();
    spec.set_initial_c(*std::move(bytes));
  }
  return spec;
}

// The report as one JSON object: the ExperimentReport's fields (protobuf's
// JSON mapping, proto field names) with report_json parsed into "report".
nlohmann::json ReportJson(const pb::ExperimentReport& report) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(report, &text, options);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) j = nlohmann::json::object();
  j.erase("report_json");
  j.erase("report_text");
  // int64 fields come as strings in the proto JSON mapping; give numbers.
  j["experiment_id"] = report.experiment_id();
  j["run_id"] = report.run_id();
  j["baseline_run_id"] = report.baseline_run_id();
  nlohmann::json doc = nlohmann::json::parse(report.report_json(), nullptr, false);
  j["report"] = doc.is_discarded() ? nlohmann::json() : doc;
  return j;
}

void PrintReport(const pb::ExperimentReport& report, std::ostream& out) {
  out << report.report_text();
  if (report.classes_size() > 0) {
    out << "classes:";
    for (int c : report.classes()) out << " " << c;
    out << "\n";
  }
  out << "trace store: " << report.database() << " (experiment " << report.experiment_id()
      << ", run " << report.run_id();
  if (report.baseline_run_id() > 0) out << ", baseline run " << report.baseline_run_id();
  out << ")\n";
  if (!report.streams_dir().empty()) out << "streams: " << report.streams_dir() << "\n";
}

// A one-line progress bar on stderr, shown once a run has taken a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  ~ProgressBar() { Finish(); }
  void Update(const pb::RunProgress& p) {
    if (!enabled_ || absl::Now() - start_ < absl::Seconds(1) || p.phase() == "done") return;
    const int total = std::max(1, p.inferences_total());
    const int width = 30;
    const int filled = std::min(width, p.inferences_done() * width / total);
    std::fprintf(stderr, "\r%-8s [%s%s] %d/%d inferences  chip %d  %.1f s   ",
                 p.phase().c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), p.inferences_done(),
                 p.inferences_total(), p.current_chip(), p.elapsed_s());
    std::fflush(stderr);
    drawn_ = true;
  }
  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
  }

 private:
  const bool enabled_;
  const absl::Time start_ = absl::Now();
  bool drawn_ = false;
};

absl::StatusOr<pb::ExperimentReport> Report(Session& s, int64_t run, int64_t experiment) {
  pb::GetReportRequest request;
  request.set_run_id(run);
  request.set_experiment_id(experiment);
  return s.client->GetReport(request);
}

}  // namespace

int RunRunCommand(const Options& o, std::ostream& out, std::ostream& err) {
  absl::StatusOr<pb::ExperimentSpec> spec = SpecFromFlags(o);
  if (!spec.ok()) return Fail(err, "run", spec.status());
  absl::StatusOr<Session> session = Open(o);
  if (!session.ok()) return Fail(err, "run", session.status());
  pb::RunExperimentRequest request;
  *request.mutable_spec() = *std::move(spec);
  absl::StatusOr<pb::ExperimentReport> report;
  {
    ProgressBar bar(o.progress && !o.json);
    report = session->client->Run(request, [&bar](const pb::RunProgress& p) { bar.Update(p); });
  }
  if (!report.ok()) return Fail(err, "run", report.status());
  if (o.json) {
    out << ReportJson(*report).dump(2) << "\n";
  } else {
    PrintReport(*report, out);
  }
  return 0;
}

int RunReportCommand(const Options& o, std::ostream& out, std::ostream& err) {
  if (o.run <= 0 && o.experiment <= 0) {
    return Fail(err, "report", absl::InvalidArgumentError("give --run=ID or --experiment=ID"));
  }
  absl::StatusOr<Session> session = Open(o);
  if (!session.ok()) return Fail(err, "report", session.status());
  absl::StatusOr<pb::ExperimentReport> report = Report(*session, o.run, o.experiment);
  if (!report.ok()) return Fail(err, "report", report.status());
  if (o.json) {
    out << ReportJson(*report).dump(2) << "\n";
  } else {
    PrintReport(*report, out);
  }
  return 0;
}

int RunListCommand(const Options& o, std::ostream& out, std::ostream& err) {
  absl::StatusOr<Session> session = Open(o);
  if (!session.ok()) return Fail(err, "list", session.status());
  pb::ListExperimentsRequest request;
  request.set_limit(o.limit);
  absl::StatusOr<pb::ListExperimentsResponse> list = session->client->List(request);
  if (!list.ok()) return Fail(err, "list", list.status());
  if (o.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const pb::ExperimentSummary& e : list->experiments()) {
      nlohmann::json runs = nlohmann::json::array();
      for (const pb::RunSummary& r : e.runs()) {
        runs.push_back({{"run_id", r.run_id()}, {"role", r.role()}, {"status", r.status()},
                        {"chips", r.chips()}, {"started_at", r.started_at()},
                        {"error", r.error()}});
      }
      const pb::ExperimentSpec& spec = e.experiment().spec();
      all.push_back({{"experiment_id", e.experiment().id()},
                     {"name", spec.name()},
                     {"workload", spec.workload()},
                     {"strategy", spec.strategy()},
                     {"chips", spec.chips()},
                     {"backend", spec.backend()},
                     {"created_at", e.experiment().created_at()},
                     {"runs", runs}});
    }
    out << all.dump(2) << "\n";
    return 0;
  }
  out << absl::StrFormat("%-5s %-28s %-9s %-7s %-10s %-20s %s\n", "exp", "name", "workload",
                         "chips", "backend", "created", "runs (id role status)");
  for (const pb::ExperimentSummary& e : list->experiments()) {
    const pb::ExperimentSpec& spec = e.experiment().spec();
    std::string runs;
    for (const pb::RunSummary& r : e.runs()) {
      absl::StrAppend(&runs, runs.empty() ? "" : ", ", r.run_id(), " ", r.role(), " ",
                      r.status());
    }
    out << absl::StrFormat("%-5d %-28s %-9s %-7d %-10s %-20s %s\n", e.experiment().id(),
                           spec.name(), spec.workload(), spec.chips(), spec.backend(),
                           e.experiment().created_at(), runs.empty() ? "-" : runs);
  }
  return 0;
}

int RunTraceExportCommand(const Options& o, std::ostream& out, std::ostream& err) {
  if (o.run <= 0 || o.table.empty()) {
    return Fail(err, "trace export",
                absl::InvalidArgumentError(
                    "give --run=ID and --table=NAME (experiments, runs, chips, slices, "
                    "power_intervals, messages, layer_executions, reports)"));
  }
  absl::StatusOr<Session> session = Open(o);
  if (!session.ok()) return Fail(err, "trace export", session.status());
  pb::GetTraceRequest request;
  request.set_run_id(o.run);
  request.set_table(o.table);
  request.set_format(o.format.empty() ? "csv" : o.format);
  std::ofstream file;
  std::ostream* sink = &out;
  if (!o.out.empty()) {
    file.open(o.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      return Fail(err, "trace export",
                  absl::InvalidArgumentError(absl::StrCat("--out=", o.out, ": cannot create")));
    }
    sink = &file;
  }
  const absl::Status s =
      session->client->GetTrace(request, [sink](const std::string& data) { *sink << data; });
  if (!s.ok()) return Fail(err, "trace export", s);
  if (!o.out.empty()) {
    file.close();
    if (!file) {
      return Fail(err, "trace export", absl::DataLossError(absl::StrCat("writing ", o.out)));
    }
    err << "wrote " << o.out << "\n";
  }
  return 0;
}

int RunCompareCommand(const Options& o, std::ostream& out, std::ostream& err) {
  if (o.run <= 0) {
    return Fail(err, "compare",
                absl::InvalidArgumentError(
                    "give --run=A and --against=B (or just --run=A: the run vs its baseline)"));
  }
  absl::StatusOr<Session> session = Open(o);
  if (!session.ok()) return Fail(err, "compare", session.status());
  absl::StatusOr<pb::ExperimentReport> a = Report(*session, o.run, 0);
  if (!a.ok()) return Fail(err, "compare", a.status());
  // Each side: label, chips, energy, time, EDP.
  struct Side {
    std::string label;
    int chips = 0;
    double energy_j = 0, time_s = 0, edp_js = 0;
  };
  Side left{absl::StrCat("run ", a->run_id()), a->chips(), a->energy_j(), a->time_s(),
            a->edp_js()};
  Side right;
  if (o.against > 0) {
    absl::StatusOr<pb::ExperimentReport> b = Report(*session, o.against, 0);
    if (!b.ok()) return Fail(err, "compare", b.status());
    right = Side{absl::StrCat("run ", b->run_id()), b->chips(), b->energy_j(), b->time_s(),
                 b->edp_js()};
  } else {
    if (a->baseline_run_id() == 0) {
      return Fail(err, "compare",
                  absl::FailedPreconditionError(absl::StrCat(
                      "run ", a->run_id(), " has no baseline; give --against=RUN")));
    }
    right = Side{absl::StrCat("ideal (run ", a->baseline_run_id(), ")"), 1,
                 a->baseline_energy_j(), a->baseline_time_s(), a->baseline_edp_js()};
  }
  auto ratio = [](double x, double y) { return y != 0 ? x / y : 0.0; };
  const double energy = ratio(left.energy_j, right.energy_j);
  const double time = ratio(left.time_s, right.time_s);
  const double edp = ratio(left.edp_js, right.edp_js);
  if (o.json) {
    auto side = [](const Side& s) {
      return nlohmann::json{{"label", s.label}, {"chips", s.chips}, {"energy_j", s.energy_j},
                            {"time_s", s.time_s}, {"edp_js", s.edp_js}};
    };
    out << nlohmann::json{{"a", side(left)},
                          {"b", side(right)},
                          {"ratios", {{"energy", energy}, {"time", time}, {"edp", edp}}}}
               .dump(2)
        << "\n";
    return 0;
  }
  out << absl::StrFormat("%-12s %-20s %-20s %s\n", "", left.label, right.label, "ratio");
  out << absl::StrFormat("%-12s %-20d %-20d\n", "chips", left.chips, right.chips);
  out << absl::StrFormat("%-12s %-20.6g %-20.6g %.4f\n", "energy (J)", left.energy_j,
                         right.energy_j, energy);
  out << absl::StrFormat("%-12s %-20.6g %-20.6g %.4f\n", "time (s)", left.time_s, right.time_s,
                         time);
  out << absl::StrFormat("%-12s %-20.6g %-20.6g %.4f\n", "EDP (J*s)", left.edp_js, right.edp_js,
                         edp);
  return 0;
}

}  // namespace illusion::clients
