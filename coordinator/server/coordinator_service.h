#ifndef ILLUSION_COORDINATOR_SERVER_COORDINATOR_SERVICE_H_
#define ILLUSION_COORDINATOR_SERVER_COORDINATOR_SERVICE_H_

// The gRPC CoordinatorService (proto/illusion/v1/coordinator.proto): a thin
// adapter that translates requests to CoordinatorCore calls and statuses to
// gRPC statuses. RunExperiment streams the core's progress; a client that
// cancels or goes away cancels the run (recorded 'failed').
//
// Borrows the core, which must outlive the service. Thread-safe (the core
// is).

#include "coordinator/server/coordinator_core.h"
#include "grpcpp/grpcpp.h"
#include "proto/illusion/v1/coordinator.grpc.pb.h"

namespace illusion::coordinator {

class CoordinatorServiceImpl final : public illusion::v1::CoordinatorService::Service {
 public:
  explicit CoordinatorServiceImpl(CoordinatorCore* core) : core_(core) {}

  grpc::Status CreateExperiment(grpc::ServerContext* context,
                                const illusion::v1::CreateExperimentRequest* request,
                                illusion::v1::Experiment* response) override;
  grpc::Status RunExperiment(grpc::ServerContext* context,
                             const illusion::v1::RunExperimentRequest* request,
                             grpc::ServerWriter<illusion::v1::RunProgress>* writer) override;
  grpc::Status GetReport(grpc::ServerContext* context,
                         const illusion::v1::GetReportRequest* request,
                         illusion::v1::ExperimentReport* response) override;
  grpc::Status ListExperiments(grpc::ServerContext* context,
                               const illusion::v1::ListExperimentsRequest* request,
                               illusion::v1::ListExperimentsResponse* response) override;
  grpc::Status GetTrace(grpc::ServerContext* context, const illusion::v1::GetTraceRequest* request,
                        grpc::ServerWriter<illusion::v1::TraceChunk>* writer) override;

 private:
  CoordinatorCore* const core_;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_SERVER_COORDINATOR_SERVICE_H_
