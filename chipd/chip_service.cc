#include "chipd/chip_service.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "chipd/chip_proto.h"
#include "common/grpc_status.h"

namespace illusion::chipd {
namespace {

using common::ToGrpcStatus;
namespace pb = ::illusion::v1;

grpc::Status Cancelled(grpc::ServerContext* context) {
  return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                      "the request's deadline passed or it was cancelled before it ran");
}

void FillChipInfo(const ChipRuntime& runtime, pb::ChipInfo* response) {
  response->set_chip_id(runtime.chip_id());
  *response->mutable_model() = runtime.model();
  if (std::optional<SliceInfo> info = runtime.slice_info()) {
    *response->mutable_slice() = SliceInfoToProto(*info);
  }
  response->set_auto_wake(runtime.options().auto_wake);
  response->set_activations_in_nvm(runtime.options().activations_in_nvm);
  response->set_max_message_words(runtime.options().max_message_words);
}

}  // namespace

grpc::Status ChipServiceImpl::GetInfo(grpc::ServerContext*, const pb::GetInfoRequest*,
                                      pb::ChipInfo* response) {
  FillChipInfo(*runtime_, response);
  return grpc::Status::OK;
}

grpc::Status ChipServiceImpl::LoadSlice(grpc::ServerContext* context,
                                        const pb::LoadSliceRequest* request,
                                        pb::LoadSliceResponse* response) {
  if (context->IsCancelled()) return Cancelled(context);
  absl::StatusOr<SliceBundle> bundle = SliceBundleFromProto(*request);
  if (!bundle.ok()) return ToGrpcStatus(bundle.status());
  absl::StatusOr<SliceInfo> info = runtime_->LoadSlice(*std::move(bundle));
  if (!info.ok()) return ToGrpcStatus(info.status());
  *response->mutable_slice() = SliceInfoToProto(*info);
  return grpc::Status::OK;
}

grpc::Status ChipServiceImpl::Execute(grpc::ServerContext* context,
                                      const pb::ExecuteRequest* request,
                                      pb::ExecuteResponse* response) {
  if (context->IsCancelled()) return Cancelled(context);
  absl::StatusOr<ExecuteRequest> parsed = ExecuteRequestFromProto(*request);
  if (!parsed.ok()) return ToGrpcStatus(parsed.status());
  absl::StatusOr<ExecuteResult> result = runtime_->Execute(*parsed);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = ExecuteResultToProto(*result);
  return grpc::Status::OK;
}

grpc::Status ChipServiceImpl::SetPowerState(grpc::ServerContext*,
                                            const pb::SetPowerStateRequest* request,
                                            pb::SetPowerStateResponse* response) {
  absl::Status status;
  switch (request->state()) {
    case pb::POWER_STATE_ACTIVE:
      status = runtime_->Wake();
      break;
    case pb::POWER_STATE_OFF:
      status = runtime_->Sleep();
      break;
    default:
      status = absl::InvalidArgumentError(
          "SetPowerState: state must be POWER_STATE_ACTIVE (wake) or POWER_STATE_OFF (shut "
          "down)");
  }
  if (!status.ok()) return ToGrpcStatus(status);
  response->set_state(PowerStateToProto(runtime_->stats().state));
  return grpc::Status::OK;
}

grpc::Status ChipServiceImpl::GetStats(grpc::ServerContext*, const pb::GetStatsRequest*,
                                       pb::ChipStats* response) {
  *response = ChipStatsToProto(runtime_->stats());
  return grpc::Status::OK;
}

grpc::Status ChipServiceImpl::Reset(grpc::ServerContext* context, const pb::ResetRequest* request,
                                    pb::ResetResponse* response) {
  if (context->IsCancelled()) return Cancelled(context);
  std::optional<pb::ChipModel> model;
  if (request->has_model()) model = request->model();
  const absl::Status status = runtime_->Reset(std::move(model));
  if (!status.ok()) return ToGrpcStatus(status);
  FillChipInfo(*runtime_, response->mutable_chip());
  return grpc::Status::OK;
}

}  // namespace illusion::chipd
