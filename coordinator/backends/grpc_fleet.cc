#include "coordinator/backends/grpc_fleet.h"

#include <grpcpp/grpcpp.h>
#include <sched.h>

#include <climits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chipd/chip_proto.h"
#include "chipd/wear_proto.h"
#include "common/grpc_status.h"
#include "common/grpc_tuning.h"
#include "common/status_macros.h"
#include "proto/illusion/v1/chip.grpc.pb.h"

namespace illusion::coordinator {
namespace pb = ::illusion::v1;

// One chip: its endpoint and the channel and stub to it. Immutable after
// Connect (stubs are thread-safe).
struct GrpcFleet::Chip {
  int index = 0;
  std::string endpoint;
  std::string description;  // Describe(index)
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::ChipService::Stub> stub;
};

namespace {

// A fresh context per call (client_context.h: never reuse one).
void SetDeadline(grpc::ClientContext* context, std::chrono::milliseconds deadline) {
  context->set_deadline(std::chrono::system_clock::now() + deadline);
}

// The chip's gRPC error as a library status naming the chip. A chip that is
// gone (UNAVAILABLE) or silent past the deadline is Unavailable either way:
// the coordinator cannot use it.
absl::Status ChipError(absl::string_view chip, absl::string_view rpc, const grpc::Status& status,
                       std::chrono::milliseconds deadline) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return absl::UnavailableError(absl::StrCat(chip, " is unreachable (", rpc,
                                                 "): ", status.error_message()));
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::UnavailableError(absl::StrCat(chip, " did not answer ", rpc, " within ",
                                                 deadline.count(), " ms (deadline exceeded): ",
                                                 status.error_message()));
    default: {
      const absl::Status s = common::FromGrpcStatus(status);
      return absl::Status(s.code(), absl::StrCat(chip, ": ", s.message()));
    }
  }
}

// Whether the calling thread may run on more than one CPU.
bool MayRunOnSeveralCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) > 1;
}

// Execute on `stub`, the calling thread polling for the answer (without
// sleeping) for up to `spin`, then blocking as the plain call does. The same
// call either way: deadline, status and response are gRPC's. A thread bound
// to one CPU does not poll: the chipd answering needs that CPU (fleet_bench
// --cpu=0: 469 inferences/s blocking, 432 polling).
grpc::Status SpinningExecute(pb::ChipService::Stub& stub, grpc::ClientContext* context,
                             const pb::ExecuteRequest& request, pb::ExecuteResponse* response,
                             std::chrono::microseconds spin) {
  if (spin.count() <= 0 || !MayRunOnSeveralCpus()) {
    return stub.Execute(context, request, response);
  }
  grpc::CompletionQueue cq;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::ExecuteResponse>> call =
      stub.AsyncExecute(context, request, &cq);
  call->Finish(response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  bool done = false;
  const gpr_timespec no_wait = gpr_time_0(GPR_CLOCK_MONOTONIC);
  const auto until = std::chrono::steady_clock::now() + spin;
  do {
    // Polls the call's socket once (epoll with a zero timeout) and returns.
    if (cq.AsyncNext(&tag, &ok, no_wait) == grpc::CompletionQueue::GOT_EVENT) {
      done = true;
      break;
    }
  } while (std::chrono::steady_clock::now() < until);
  if (!done) cq.Next(&tag, &ok);  // the call's only event: Finish
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace

GrpcFleet::GrpcFleet(std::vector<std::unique_ptr<Chip>> chips, GrpcFleetOptions options)
    : chips_(std::move(chips)), options_(options) {}

GrpcFleet::~GrpcFleet() = default;

absl::StatusOr<std::unique_ptr<GrpcFleet>> GrpcFleet::Connect(std::vector<std::string> endpoints,
                                                              GrpcFleetOptions options) {
  if (endpoints.empty()) {
    return absl::InvalidArgumentError("a gRPC fleet needs at least 1 chipd endpoint; got none");
  }
  if (options.max_message_bytes <= 0 || options.max_message_bytes > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("max_message_bytes is ",
                                                   options.max_message_bytes,
                                                   "; must be in [1, ", INT_MAX, "]"));
  }
  if (options.rpc_deadline.count() <= 0 || options.connect_timeout.count() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rpc_deadline (", options.rpc_deadline.count(), " ms) and connect_timeout (",
        options.connect_timeout.count(), " ms) must be positive"));
  }
  // Latency-bound calls: see common/grpc_tuning.h.
  grpc::ChannelArguments args = common::LowLatencyChannelArguments();
  args.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(options.max_message_bytes));
  std::vector<std::unique_ptr<Chip>> chips;
  for (int k = 0; k < static_cast<int>(endpoints.size()); ++k) {
    if (endpoints[k].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("endpoint of chip ", k, " is empty"));
    }
    auto chip = std::make_unique<Chip>();
    chip->index = k;
    chip->endpoint = std::move(endpoints[k]);
    chip->description = absl::StrCat("chipd ", chip->endpoint, " (chip ", k, ")");
    chip->channel =
        grpc::CreateCustomChannel(chip->endpoint, grpc::InsecureChannelCredentials(), args);
    chip->stub = pb::ChipService::NewStub(chip->channel);
    chips.push_back(std::move(chip));
  }
  auto fleet = std::unique_ptr<GrpcFleet>(new GrpcFleet(std::move(chips), options));
  for (const std::unique_ptr<Chip>& chip : fleet->chips_) {
    grpc::ClientContext context;
    SetDeadline(&context, options.connect_timeout);
    pb::ChipInfo info;
    const grpc::Status s = chip->stub->GetInfo(&context, pb::GetInfoRequest(), &info);
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to chip ", chip->index, " at ", chip->endpoint, " (GetInfo, ",
          options.connect_timeout.count(), " ms timeout): ",
          common::FromGrpcStatus(s).ToString()));
    }
  }
  return fleet;
}

absl::Status GrpcFleet::CheckChip(int chip) const {
  if (chip < 0 || chip >= size()) {
    return absl::NotFoundError(absl::StrCat("chip ", chip, " is not in the gRPC fleet of ", size(),
                                            " chips (ids 0..", size() - 1, ")"));
  }
  return absl::OkStatus();
}

std::string GrpcFleet::Describe(int chip) const {
  if (chip < 0 || chip >= size()) return absl::StrCat("chip ", chip, " (not in the fleet)");
  return chips_[chip]->description;
}

const std::string& GrpcFleet::endpoint(int chip) const { return chips_.at(chip)->endpoint; }

absl::Status GrpcFleet::LoadSlice(int chip, chipd::SliceBundle bundle) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  const pb::LoadSliceRequest request = chipd::SliceBundleToProto(bundle);
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::LoadSliceResponse response;
  const grpc::Status s = c.stub->LoadSlice(&context, request, &response);
  if (!s.ok()) return ChipError(c.description, "LoadSlice", s, options_.rpc_deadline);
  return absl::OkStatus();
}

absl::StatusOr<chipd::ExecuteResult> GrpcFleet::Execute(int chip,
                                                        const chipd::ExecuteRequest& request) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  const pb::ExecuteRequest proto = chipd::ExecuteRequestToProto(request);
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::ExecuteResponse response;
  const grpc::Status s =
      SpinningExecute(*c.stub, &context, proto, &response, options_.execute_spin);
  if (!s.ok()) return ChipError(c.description, "Execute", s, options_.rpc_deadline);
  absl::StatusOr<chipd::ExecuteResult> result = chipd::ExecuteResultFromProto(response);
  if (!result.ok()) {
    return absl::InternalError(absl::StrCat(c.description, " sent a malformed Execute response: ",
                                            result.status().message()));
  }
  return result;
}

absl::Status GrpcFleet::Reset(int chip, std::optional<illusion::v1::ChipModel> model) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  pb::ResetRequest request;
  if (model.has_value()) *request.mutable_model() = *std::move(model);
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::ResetResponse response;
  const grpc::Status s = c.stub->Reset(&context, request, &response);
  if (!s.ok()) return ChipError(c.description, "Reset", s, options_.rpc_deadline);
  return absl::OkStatus();
}

absl::StatusOr<illusion::v1::ChipInfo> GrpcFleet::GetInfo(int chip) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::ChipInfo info;
  const grpc::Status s = c.stub->GetInfo(&context, pb::GetInfoRequest(), &info);
  if (!s.ok()) return ChipError(c.description, "GetInfo", s, options_.rpc_deadline);
  return info;
}

absl::StatusOr<illusion::v1::ChipStats> GrpcFleet::GetStats(int chip) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::ChipStats stats;
  const grpc::Status s = c.stub->GetStats(&context, pb::GetStatsRequest(), &stats);
  if (!s.ok()) return ChipError(c.description, "GetStats", s, options_.rpc_deadline);
  return stats;
}

// --- NVM wear levelling -------------------------------------------------------------

absl::Status GrpcFleet::ConfigureWear(int chip, const chipd::WearConfig& config) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::WearReport response;
  const grpc::Status s =
      c.stub->ConfigureWear(&context, chipd::WearConfigToProto(config), &response);
  if (!s.ok()) return ChipError(c.description, "ConfigureWear", s, options_.rpc_deadline);
  return absl::OkStatus();
}

absl::StatusOr<chipd::WearReport> GrpcFleet::GetWear(int chip, bool include_cells) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::GetWearRequest request;
  request.set_include_cells(include_cells);
  pb::WearReport response;
  const grpc::Status s = c.stub->GetWear(&context, request, &response);
  if (!s.ok()) return ChipError(c.description, "GetWear", s, options_.rpc_deadline);
  absl::StatusOr<chipd::WearReport> report = chipd::WearReportFromProto(response);
  if (!report.ok()) {
    return absl::InternalError(absl::StrCat(c.description, " sent a malformed WearReport: ",
                                            report.status().message()));
  }
  return report;
}

absl::StatusOr<chipd::RemapOutcome> GrpcFleet::Remap(int chip, std::optional<uint32_t> shift) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::RemapResponse response;
  const grpc::Status s = c.stub->Remap(&context, chipd::RemapRequestToProto(shift), &response);
  if (!s.ok()) return ChipError(c.description, "Remap", s, options_.rpc_deadline);
  return chipd::RemapOutcomeFromProto(response);
}

absl::StatusOr<chipd::NvmImage> GrpcFleet::ExportNvm(int chip) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::NvmImage response;
  const grpc::Status s = c.stub->ExportNvm(&context, pb::ExportNvmRequest(), &response);
  if (!s.ok()) return ChipError(c.description, "ExportNvm", s, options_.rpc_deadline);
  absl::StatusOr<chipd::NvmImage> image = chipd::NvmImageFromProto(response);
  if (!image.ok()) {
    return absl::InternalError(absl::StrCat(c.description, " sent a malformed NvmImage: ",
                                            image.status().message()));
  }
  return image;
}

absl::Status GrpcFleet::ImportNvm(int chip, const chipd::NvmImage& image) {
  RETURN_IF_ERROR(CheckChip(chip));
  const Chip& c = *chips_[chip];
  grpc::ClientContext context;
  SetDeadline(&context, options_.rpc_deadline);
  pb::WearReport response;
  const grpc::Status s = c.stub->ImportNvm(&context, chipd::NvmImageToProto(image), &response);
  if (!s.ok()) return ChipError(c.description, "ImportNvm", s, options_.rpc_deadline);
  return absl::OkStatus();
}

}  // namespace illusion::coordinator
