#include "coordinator/server/coordinator_service.h"

#include <string>

#include "absl/status/status.h"
#include "common/grpc_status.h"

namespace illusion::coordinator {

namespace pb = illusion::v1;
using common::ToGrpcStatus;

grpc::Status CoordinatorServiceImpl::CreateExperiment(grpc::ServerContext*,
                                                      const pb::CreateExperimentRequest* request,
                                                      pb::Experiment* response) {
  absl::StatusOr<pb::Experiment> e = core_->CreateExperiment(request->spec());
  if (!e.ok()) return ToGrpcStatus(e.status());
  *response = *std::move(e);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::RunExperiment(grpc::ServerContext* context,
                                                   const pb::RunExperimentRequest* request,
                                                   grpc::ServerWriter<pb::RunProgress>* writer) {
  const CoordinatorCore::ProgressFn progress = [&](const pb::RunProgress& p) -> absl::Status {
    if (context->IsCancelled()) return absl::CancelledError("the client cancelled the run");
    if (!writer->Write(p)) return absl::CancelledError("the client went away");
    return absl::OkStatus();
  };
  return ToGrpcStatus(core_->RunExperiment(*request, progress).status());
}

grpc::Status CoordinatorServiceImpl::GetReport(grpc::ServerContext*,
                                               const pb::GetReportRequest* request,
                                               pb::ExperimentReport* response) {
  absl::StatusOr<pb::ExperimentReport> r = core_->GetReport(*request);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *response = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListExperiments(grpc::ServerContext*,
                                                     const pb::ListExperimentsRequest* request,
                                                     pb::ListExperimentsResponse* response) {
  absl::StatusOr<pb::ListExperimentsResponse> r = core_->ListExperiments(*request);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *response = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::GetTrace(grpc::ServerContext* context,
                                              const pb::GetTraceRequest* request,
                                              grpc::ServerWriter<pb::TraceChunk>* writer) {
  return ToGrpcStatus(core_->ExportTrace(*request, [&](absl::string_view data) -> absl::Status {
    if (context->IsCancelled()) return absl::CancelledError("the client cancelled");
    pb::TraceChunk chunk;
    chunk.set_data(std::string(data));
    if (!writer->Write(chunk)) return absl::CancelledError("the client went away");
    return absl::OkStatus();
  }));
}

}  // namespace illusion::coordinator
