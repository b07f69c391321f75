#include "chipd/chip_service.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "chipd/chip_proto.h"
#include "chipd/nvm_wear.h"
#include "chipd/wear_proto.h"
#include "common/grpc_status.h"

namespace illusion::chipd {
namespace {

using common::ToGrpcStatus;
namespace pb = ::illusion::v1;

grpc::Status Cancelled() {
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
  response->set_activations_in_nvm(runtime.activations_in_nvm());
  response->set_max_message_words(runtime.options().max_message_words);
}

// The handlers, shared by the sync and the callback service: translate,
// call the runtime, translate back.

grpc::Status GetInfo(ChipRuntime& runtime, pb::ChipInfo* response) {
  FillChipInfo(runtime, response);
  return grpc::Status::OK;
}

grpc::Status LoadSlice(ChipRuntime& runtime, const grpc::ServerContextBase& context,
                       const pb::LoadSliceRequest& request, pb::LoadSliceResponse* response) {
  if (context.IsCancelled()) return Cancelled();
  absl::StatusOr<SliceBundle> bundle = SliceBundleFromProto(request);
  if (!bundle.ok()) return ToGrpcStatus(bundle.status());
  absl::StatusOr<SliceInfo> info = runtime.LoadSlice(*std::move(bundle));
  if (!info.ok()) return ToGrpcStatus(info.status());
  *response->mutable_slice() = SliceInfoToProto(*info);
  return grpc::Status::OK;
}

grpc::Status Execute(ChipRuntime& runtime, const grpc::ServerContextBase& context,
                     const pb::ExecuteRequest& request, pb::ExecuteResponse* response) {
  if (context.IsCancelled()) return Cancelled();
  absl::StatusOr<ExecuteRequest> parsed = ExecuteRequestFromProto(request);
  if (!parsed.ok()) return ToGrpcStatus(parsed.status());
  absl::StatusOr<ExecuteResult> result = runtime.Execute(*parsed);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = ExecuteResultToProto(*result);
  return grpc::Status::OK;
}

grpc::Status SetPowerState(ChipRuntime& runtime, const pb::SetPowerStateRequest& request,
                           pb::SetPowerStateResponse* response) {
  absl::Status status;
  switch (request.state()) {
    case pb::POWER_STATE_ACTIVE:
      status = runtime.Wake();
      break;
    case pb::POWER_STATE_OFF:
      status = runtime.Sleep();
      break;
    default:
      status = absl::InvalidArgumentError(
          "SetPowerState: state must be POWER_STATE_ACTIVE (wake) or POWER_STATE_OFF (shut "
          "down)");
  }
  if (!status.ok()) return ToGrpcStatus(status);
  response->set_state(PowerStateToProto(runtime.stats().state));
  return grpc::Status::OK;
}

grpc::Status GetStats(ChipRuntime& runtime, pb::ChipStats* response) {
  *response = ChipStatsToProto(runtime.stats());
  return grpc::Status::OK;
}

grpc::Status Reset(ChipRuntime& runtime, const grpc::ServerContextBase& context,
                   const pb::ResetRequest& request, pb::ResetResponse* response) {
  if (context.IsCancelled()) return Cancelled();
  std::optional<pb::ChipModel> model;
  if (request.has_model()) model = request.model();
  const absl::Status status = runtime.Reset(std::move(model));
  if (!status.ok()) return ToGrpcStatus(status);
  FillChipInfo(runtime, response->mutable_chip());
  return grpc::Status::OK;
}

grpc::Status ConfigureWear(ChipRuntime& runtime, const pb::ConfigureWearRequest& request,
                           pb::WearReport* response) {
  absl::StatusOr<WearConfig> config = WearConfigFromProto(request);
  if (!config.ok()) return ToGrpcStatus(config.status());
  const absl::Status status = runtime.ConfigureWear(*config);
  if (!status.ok()) return ToGrpcStatus(status);
  *response = WearReportToProto(runtime.Wear(false));
  return grpc::Status::OK;
}

grpc::Status GetWear(ChipRuntime& runtime, const pb::GetWearRequest& request,
                     pb::WearReport* response) {
  *response = WearReportToProto(runtime.Wear(request.include_cells()));
  return grpc::Status::OK;
}

grpc::Status Remap(ChipRuntime& runtime, const pb::RemapRequest& request,
                   pb::RemapResponse* response) {
  absl::StatusOr<RemapOutcome> outcome = runtime.Remap(RemapShiftFromProto(request));
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  *response = RemapOutcomeToProto(*outcome);
  return grpc::Status::OK;
}

grpc::Status ExportNvm(ChipRuntime& runtime, pb::NvmImage* response) {
  absl::StatusOr<NvmImage> image = runtime.ExportNvm();
  if (!image.ok()) return ToGrpcStatus(image.status());
  *response = NvmImageToProto(*image);
  return grpc::Status::OK;
}

grpc::Status ImportNvm(ChipRuntime& runtime, const pb::NvmImage& request,
                       pb::WearReport* response) {
  absl::StatusOr<NvmImage> image = NvmImageFromProto(request);
  if (!image.ok()) return ToGrpcStatus(image.status());
  const absl::Status status = runtime.ImportNvm(*image);
  if (!status.ok()) return ToGrpcStatus(status);
  *response = WearReportToProto(runtime.Wear(false));
  return grpc::Status::OK;
}

// Finishes a callback call at once with `status`: the handler ran inline.
grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

// --- Sync service -----------------------------------------------------------------

grpc::Status SyncChipServiceImpl::GetInfo(grpc::ServerContext*, const pb::GetInfoRequest*,
                                          pb::ChipInfo* response) {
  return chipd::GetInfo(*runtime_, response);
}

grpc::Status SyncChipServiceImpl::LoadSlice(grpc::ServerContext* context,
                                            const pb::LoadSliceRequest* request,
                                            pb::LoadSliceResponse* response) {
  return chipd::LoadSlice(*runtime_, *context, *request, response);
}

grpc::Status SyncChipServiceImpl::Execute(grpc::ServerContext* context,
                                          const pb::ExecuteRequest* request,
                                          pb::ExecuteResponse* response) {
  return chipd::Execute(*runtime_, *context, *request, response);
}

grpc::Status SyncChipServiceImpl::SetPowerState(grpc::ServerContext*,
                                                const pb::SetPowerStateRequest* request,
                                                pb::SetPowerStateResponse* response) {
  return chipd::SetPowerState(*runtime_, *request, response);
}

grpc::Status SyncChipServiceImpl::GetStats(grpc::ServerContext*, const pb::GetStatsRequest*,
                                           pb::ChipStats* response) {
  return chipd::GetStats(*runtime_, response);
}

grpc::Status SyncChipServiceImpl::Reset(grpc::ServerContext* context,
                                        const pb::ResetRequest* request,
                                        pb::ResetResponse* response) {
  return chipd::Reset(*runtime_, *context, *request, response);
}

grpc::Status SyncChipServiceImpl::ConfigureWear(grpc::ServerContext*,
                                                const pb::ConfigureWearRequest* request,
                                                pb::WearReport* response) {
  return chipd::ConfigureWear(*runtime_, *request, response);
}

grpc::Status SyncChipServiceImpl::GetWear(grpc::ServerContext*, const pb::GetWearRequest* request,
                                          pb::WearReport* response) {
  return chipd::GetWear(*runtime_, *request, response);
}

grpc::Status SyncChipServiceImpl::Remap(grpc::ServerContext*, const pb::RemapRequest* request,
                                        pb::RemapResponse* response) {
  return chipd::Remap(*runtime_, *request, response);
}

grpc::Status SyncChipServiceImpl::ExportNvm(grpc::ServerContext*, const pb::ExportNvmRequest*,
                                            pb::NvmImage* response) {
  return chipd::ExportNvm(*runtime_, response);
}

grpc::Status SyncChipServiceImpl::ImportNvm(grpc::ServerContext*, const pb::NvmImage* request,
                                            pb::WearReport* response) {
  return chipd::ImportNvm(*runtime_, *request, response);
}

// --- Callback service -------------------------------------------------------------

grpc::ServerUnaryReactor* ChipServiceImpl::GetInfo(grpc::CallbackServerContext* context,
                                                   const pb::GetInfoRequest*,
                                                   pb::ChipInfo* response) {
  return Finish(context, chipd::GetInfo(*runtime_, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::LoadSlice(grpc::CallbackServerContext* context,
                                                     const pb::LoadSliceRequest* request,
                                                     pb::LoadSliceResponse* response) {
  return Finish(context, chipd::LoadSlice(*runtime_, *context, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::Execute(grpc::CallbackServerContext* context,
                                                   const pb::ExecuteRequest* request,
                                                   pb::ExecuteResponse* response) {
  return Finish(context, chipd::Execute(*runtime_, *context, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::SetPowerState(grpc::CallbackServerContext* context,
                                                         const pb::SetPowerStateRequest* request,
                                                         pb::SetPowerStateResponse* response) {
  return Finish(context, chipd::SetPowerState(*runtime_, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::GetStats(grpc::CallbackServerContext* context,
                                                    const pb::GetStatsRequest*,
                                                    pb::ChipStats* response) {
  return Finish(context, chipd::GetStats(*runtime_, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::Reset(grpc::CallbackServerContext* context,
                                                 const pb::ResetRequest* request,
                                                 pb::ResetResponse* response) {
  return Finish(context, chipd::Reset(*runtime_, *context, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::ConfigureWear(grpc::CallbackServerContext* context,
                                                         const pb::ConfigureWearRequest* request,
                                                         pb::WearReport* response) {
  return Finish(context, chipd::ConfigureWear(*runtime_, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::GetWear(grpc::CallbackServerContext* context,
                                                   const pb::GetWearRequest* request,
                                                   pb::WearReport* response) {
  return Finish(context, chipd::GetWear(*runtime_, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::Remap(grpc::CallbackServerContext* context,
                                                 const pb::RemapRequest* request,
                                                 pb::RemapResponse* response) {
  return Finish(context, chipd::Remap(*runtime_, *request, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::ExportNvm(grpc::CallbackServerContext* context,
                                                     const pb::ExportNvmRequest*,
                                                     pb::NvmImage* response) {
  return Finish(context, chipd::ExportNvm(*runtime_, response));
}

grpc::ServerUnaryReactor* ChipServiceImpl::ImportNvm(grpc::CallbackServerContext* context,
                                                     const pb::NvmImage* request,
                                                     pb::WearReport* response) {
  return Finish(context, chipd::ImportNvm(*runtime_, *request, response));
}

}  // namespace illusion::chipd
