#ifndef ILLUSION_COORDINATOR_SERVER_COORDINATOR_CORE_H_
#define ILLUSION_COORDINATOR_SERVER_COORDINATOR_CORE_H_

// CoordinatorCore: everything the coordinator does, as plain C++ that the
// gRPC service (coordinator_service.h), illusionctl's local mode and tests
// call directly. It stores experiments in the trace store, runs them
// (coordinator::RunExperiment) on the backend each names (in-process chips,
// chipd processes it launches on loopback, or chipd endpoints), records every
// run's trace and report as it goes (StoreRecorder), exports word streams,
// and answers report, listing and trace queries from the store.
//
// The baseline (the ideal chip) runs on loopback too for the loopback
// backend (one more chipd, reset to the grown model), and in-process for the
// others (remote chips cannot be grown).
//
// Thread-safe: experiments may run concurrently (each has its own fleets and
// recorder; the trace store serializes writes). Owns its trace store.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/backends/grpc_fleet.h"
#include "coordinator/backends/loopback_fleet.h"
#include "proto/illusion/v1/coordinator.pb.h"
#include "store/trace_store.h"

namespace illusion::coordinator {

// Plain copyable struct.
struct CoordinatorOptions {
  // The trace store; "" = store::TraceStore::DefaultPath().
  std::string database;
  // How loopback chips are launched (chipd binary: FindChipdBinary()).
  LoopbackOptions loopback;
  // How chipd endpoints of the grpc backend are reached.
  GrpcFleetOptions grpc;
  // Minimum time between two progress messages of one run (the first and
  // last of each phase are always sent).
  int progress_interval_ms = 100;
};

class CoordinatorCore {
 public:
  // Opens (creating) the trace store. Its errors, prefixed "trace store ".
  static absl::StatusOr<std::unique_ptr<CoordinatorCore>> Create(CoordinatorOptions options);

  // Resolves and stores `spec` (ResolveSpec: InvalidArgument naming the
  // field). The stored spec has every default filled in.
  absl::StatusOr<illusion::v1::Experiment> CreateExperiment(
      const illusion::v1::ExperimentSpec& spec);

  // Called with progress; an error (e.g. the client went away) cancels the
  // run, which is then recorded 'failed' with that error.
  using ProgressFn = std::function<absl::Status(const illusion::v1::RunProgress&)>;

  // Runs a stored experiment (NotFound naming the id) or an inline spec
  // (stored first), reporting progress, and returns the report (also the
  // last progress message). Errors: the spec's, the fleet's (Unavailable
  // naming a chip that cannot start or died), the partitioner's and the
  // chips' (ResourceExhausted for a slice that does not fit); every
  // inference recorded before the error stays in the store, the run marked
  // 'failed'.
  absl::StatusOr<illusion::v1::ExperimentReport> RunExperiment(
      const illusion::v1::RunExperimentRequest& request, const ProgressFn& progress);

  // A run's stored report (run_id, either role), or the latest run of
  // experiment_id. NotFound naming the id; FailedPrecondition when the run
  // has no report (still running, or failed).
  absl::StatusOr<illusion::v1::ExperimentReport> GetReport(
      const illusion::v1::GetReportRequest& request);

  absl::StatusOr<illusion::v1::ListExperimentsResponse> ListExperiments(
      const illusion::v1::ListExperimentsRequest& request);

  // Exports one table of a run (store::ExportTable) in pieces of at most
  // 1 MiB to `sink`, in order. InvalidArgument for an unknown table or
  // format (naming the valid ones), NotFound for an unknown run.
  absl::Status ExportTrace(const illusion::v1::GetTraceRequest& request,
                           absl::FunctionRef<absl::Status(absl::string_view)> sink);

  const std::string& database() const { return database_; }

 private:
  CoordinatorCore(CoordinatorOptions options, std::string database,
                  std::unique_ptr<store::TraceStore> store)
      : options_(std::move(options)), database_(std::move(database)), store_(std::move(store)) {}

  absl::StatusOr<illusion::v1::Experiment> LoadExperiment(int64_t id);
  // Fills the report fields from a stored run's report document.
  absl::Status FillFromStore(int64_t run_id, illusion::v1::ExperimentReport& report);

  const CoordinatorOptions options_;
  const std::string database_;
  const std::unique_ptr<store::TraceStore> store_;
};

// The spec as the JSON the store keeps (protobuf's JSON mapping) and back.
std::string SpecToJson(const illusion::v1::ExperimentSpec& spec);
absl::StatusOr<illusion::v1::ExperimentSpec> SpecFromJson(absl::string_view json);

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_SERVER_COORDINATOR_CORE_H_
