#include "clients/coordinator_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "coordinator/server/coordinator_service.h"

namespace illusion::clients {

namespace pb = illusion::v1;
using common::FromGrpcStatus;

namespace {

constexpr int kMaxMessageBytes = 256 << 20;

absl::Status Prefixed(const grpc::Status& s, const std::string& address) {
  absl::Status status = FromGrpcStatus(s);
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat("coordinator ", address, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinatorClient>> CoordinatorClient::Connect(
    const std::string& address, int timeout_ms) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::milliseconds(timeout_ms))) {
    return absl::UnavailableError(absl::StrCat("no coordinator answers at ", address,
                                               " (waited ", timeout_ms, " ms)"));
  }
  return std::unique_ptr<CoordinatorClient>(new CoordinatorClient(address, std::move(channel)));
}

absl::StatusOr<pb::ExperimentReport> CoordinatorClient::Run(
    const pb::RunExperimentRequest& request,
    const std::function<void(const pb::RunProgress&)>& on_progress) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<pb::RunProgress>> reader =
      stub_->RunExperiment(&context, request);
  pb::RunProgress progress;
  pb::ExperimentReport report;
  bool have_report = false;
  while (reader->Read(&progress)) {
    if (on_progress) on_progress(progress);
    if (progress.has_report()) {
      report = progress.report();
      have_report = true;
    }
  }
  const absl::Status finished = Prefixed(reader->Finish(), address_);
  if (!finished.ok()) return finished;
  if (!have_report) {
    return absl::InternalError(
        absl::StrCat("coordinator ", address_, " ended the run without a report"));
  }
  return report;
}

absl::StatusOr<pb::ExperimentReport> CoordinatorClient::GetReport(
    const pb::GetReportRequest& request) {
  grpc::ClientContext context;
  pb::ExperimentReport report;
  const absl::Status s = Prefixed(stub_->GetReport(&context, request, &report), address_);
  if (!s.ok()) return s;
  return report;
}

absl::StatusOr<pb::ListExperimentsResponse> CoordinatorClient::List(
    const pb::ListExperimentsRequest& request) {
  grpc::ClientContext context;
  pb::ListExperimentsResponse response;
  const absl::Status s = Prefixed(stub_->ListExperiments(&context, request, &response), address_);
  if (!s.ok()) return s;
  return response;
}

absl::Status CoordinatorClient::GetTrace(const pb::GetTraceRequest& request,
                                         absl::FunctionRef<void(const std::string&)> sink) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<pb::TraceChunk>> reader = stub_->GetTrace(&context, request);
  pb::TraceChunk chunk;
  while (reader->Read(&chunk)) sink(chunk.data());
  return Prefixed(reader->Finish(), address_);
}

absl::StatusOr<std::unique_ptr<LocalCoordinator>> LocalCoordinator::Start(
    coordinator::CoordinatorOptions options) {
  std::unique_ptr<LocalCoordinator> local(new LocalCoordinator());
  absl::StatusOr<std::unique_ptr<coordinator::CoordinatorCore>> core =
      coordinator::CoordinatorCore::Create(std::move(options));
  if (!core.ok()) return core.status();
  local->core_ = *std::move(core);
  local->service_ = std::make_unique<coordinator::CoordinatorServiceImpl>(local->core_.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(local->service_.get());
  local->server_ = builder.BuildAndStart();
  if (local->server_ == nullptr || port == 0) {
    return absl::UnavailableError("the local coordinator cannot listen on 127.0.0.1");
  }
  local->address_ = absl::StrCat("127.0.0.1:", port);
  return local;
}

LocalCoordinator::~LocalCoordinator() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
  }
}

}  // namespace illusion::clients
