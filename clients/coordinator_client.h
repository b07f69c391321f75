#ifndef ILLUSION_CLIENTS_COORDINATOR_CLIENT_H_
#define ILLUSION_CLIENTS_COORDINATOR_CLIENT_H_

// The client side of CoordinatorService, used by illusionctl's `run`,
// `report`, `list`, `trace export` and `compare`:
//   CoordinatorClient   a connection to a coordinator (a stub per call site;
//                       thread-safe like the gRPC stub it wraps).
//   LocalCoordinator    a coordinator served from this process on
//                       127.0.0.1:<free port> over a trace store file, for
//                       one-shot local use (`illusionctl run --local`). Owns
//                       the core and the server; stops them when destroyed.

#include <functional>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "coordinator/server/coordinator_core.h"
#include "grpcpp/grpcpp.h"
#include "proto/illusion/v1/coordinator.grpc.pb.h"

namespace illusion::clients {

class CoordinatorClient {
 public:
  // Connects to `address` ("host:port"), waiting up to `timeout_ms` for the
  // channel. Unavailable naming the address when nothing answers.
  static absl::StatusOr<std::unique_ptr<CoordinatorClient>> Connect(const std::string& address,
                                                                    int timeout_ms = 5000);

  // Runs an experiment, calling `on_progress` for each progress message;
  // returns the final report. The coordinator's errors keep their code.
  absl::StatusOr<illusion::v1::ExperimentReport> Run(
      const illusion::v1::RunExperimentRequest& request,
      const std::function<void(const illusion::v1::RunProgress&)>& on_progress);
  absl::StatusOr<illusion::v1::ExperimentReport> GetReport(
      const illusion::v1::GetReportRequest& request);
  absl::StatusOr<illusion::v1::ListExperimentsResponse> List(
      const illusion::v1::ListExperimentsRequest& request);
  // Streams a trace table's export into `sink`.
  absl::Status GetTrace(const illusion::v1::GetTraceRequest& request,
                        absl::FunctionRef<void(const std::string&)> sink);

  const std::string& address() const { return address_; }

 private:
  CoordinatorClient(std::string address, std::shared_ptr<grpc::Channel> channel)
      : address_(std::move(address)),
        stub_(illusion::v1::CoordinatorService::NewStub(std::move(channel))) {}
  std::string address_;
  std::unique_ptr<illusion::v1::CoordinatorService::Stub> stub_;
};

class LocalCoordinator {
 public:
  // Opens the trace store (options.database; "" = the default path) and
  // serves on 127.0.0.1:0. The core's errors; Unavailable when it cannot
  // listen.
  static absl::StatusOr<std::unique_ptr<LocalCoordinator>> Start(
      coordinator::CoordinatorOptions options);
  ~LocalCoordinator();

  const std::string& address() const { return address_; }
  const std::string& database() const { return core_->database(); }

 private:
  LocalCoordinator() = default;
  std::unique_ptr<coordinator::CoordinatorCore> core_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace illusion::clients

#endif  // ILLUSION_CLIENTS_COORDINATOR_CLIENT_H_
