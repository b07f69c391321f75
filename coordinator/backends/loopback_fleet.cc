#include "coordinator/backends/loopback_fleet.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "coordinator/backends/chipd_locator.h"
#include "proto/grpc/health/v1/health.grpc.pb.h"

namespace illusion::coordinator {
namespace {

using Processes = std::vector<std::unique_ptr<chipd::ChipdProcess>>;

// SIGTERM to every process first, then wait for each: the daemons shut down
// in parallel instead of one grace period after another.
void StopAll(Processes& processes, std::chrono::milliseconds grace) {
  for (const auto& p : processes) {
    if (p != nullptr) kill(p->pid(), SIGTERM);
  }
  for (const auto& p : processes) {
    if (p != nullptr) (void)p->Stop(SIGTERM, grace);
  }
}

// Starts chip k's process; the error names the chip id, the binary and the
// process's stderr (chipd::ChipdProcess::Start).
absl::StatusOr<std::unique_ptr<chipd::ChipdProcess>> Launch(const std::string& binary, int k,
                                                            const LoopbackOptions& options) {
  chipd::LaunchOptions launch;
  launch.binary = binary;
  launch.chip_id = k;
  launch.chip_model = options.chip_model;
  launch.extra_flags = options.extra_flags;
  launch.start_timeout = options.start_timeout;
  return chipd::ChipdProcess::Start(launch);
}

// Starts every chip, in parallel or one after another; on failure stops the
// started ones and returns the error of the lowest failing chip id.
absl::StatusOr<Processes> LaunchAll(const std::string& binary, int chips,
                                    const LoopbackOptions& options) {
  Processes processes(chips);
  std::vector<absl::Status> errors(chips);
  auto launch = [&](int k) {
    absl::StatusOr<std::unique_ptr<chipd::ChipdProcess>> p = Launch(binary, k, options);
    if (p.ok()) {
      processes[k] = *std::move(p);
    } else {
      errors[k] = p.status();
    }
  };
  if (options.parallel_start && chips > 1) {
    std::vector<std::thread> threads;
    threads.reserve(chips);
    for (int k = 0; k < chips; ++k) threads.emplace_back(launch, k);
    for (std::thread& t : threads) t.join();
  } else {
    for (int k = 0; k < chips; ++k) {
      launch(k);
      if (!errors[k].ok()) break;
    }
  }
  int failed = 0;
  int first = -1;
  for (int k = 0; k < chips; ++k) {
    if (errors[k].ok()) continue;
    ++failed;
    if (first < 0) first = k;
  }
  if (first < 0) return processes;
  StopAll(processes, options.stop_grace);
  return absl::Status(errors[first].code(),
                      absl::StrCat("loopback fleet of ", chips, " chips: ",
                                   errors[first].message(),
                                   failed > 1 ? absl::StrCat(" (", failed - 1,
                                                             " more chips failed to start)")
                                              : ""));
}

// Waits until the process answers the gRPC health check with SERVING.
absl::Status AwaitHealthy(const chipd::ChipdProcess& process, std::chrono::milliseconds timeout) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(process.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  context.set_wait_for_ready(true);  // the port may still be coming up
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status s =
      stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  if (s.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "chip ", process.chip_id(), " (pid ", process.pid(), ", ", process.address(),
      ") did not pass the health check within ", timeout.count(), " ms: ",
      s.ok() ? absl::StrCat("status ", response.status())
             : common::FromGrpcStatus(s).ToString(),
      "; stderr: '", process.Stderr(), "'"));
}

std::vector<std::string> Descriptions(const GrpcFleet& grpc) {
  std::vector<std::string> out;
  for (int k = 0; k < grpc.size(); ++k) out.push_back(grpc.Describe(k));
  return out;
}

}  // namespace

LoopbackFleet::LoopbackFleet(std::string binary, LoopbackOptions options, Processes processes,
                             std::unique_ptr<GrpcFleet> grpc)
    : binary_(std::move(binary)),
      options_(std::move(options)),
      descriptions_(Descriptions(*grpc)),
      processes_(std::move(processes)),
      grpc_(std::move(grpc)) {}

LoopbackFleet::~LoopbackFleet() { Stop(); }

absl::StatusOr<std::unique_ptr<LoopbackFleet>> LoopbackFleet::Start(int chips,
                                                                    LoopbackOptions options) {
  const auto start = std::chrono::steady_clock::now();
  if (chips < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a loopback fleet needs at least 1 chip; got ", chips));
  }
  ASSIGN_OR_RETURN(std::string binary, FindChipdBinary(options.chipd_binary));
  ASSIGN_OR_RETURN(Processes processes, LaunchAll(binary, chips, options));
  std::vector<std::string> addresses;
  for (const auto& p : processes) {
    absl::Status healthy = AwaitHealthy(*p, options.start_timeout);
    if (!healthy.ok()) {
      StopAll(processes, options.stop_grace);
      return absl::Status(healthy.code(), absl::StrCat("loopback fleet of ", chips,
                                                       " chips: ", healthy.message()));
    }
    addresses.push_back(p->address());
  }
  absl::StatusOr<std::unique_ptr<GrpcFleet>> grpc =
      GrpcFleet::Connect(std::move(addresses), options.grpc);
  if (!grpc.ok()) {
    StopAll(processes, options.stop_grace);
    return absl::Status(grpc.status().code(), absl::StrCat("loopback fleet of ", chips,
                                                           " chips: ", grpc.status().message()));
  }
  auto fleet = std::unique_ptr<LoopbackFleet>(new LoopbackFleet(
      std::move(binary), std::move(options), std::move(processes), *std::move(grpc)));
  fleet->startup_time_ = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  return fleet;
}

std::string LoopbackFleet::Describe(int chip) const {
  if (chip < 0 || chip >= size()) return absl::StrCat("chip ", chip, " (not in the fleet)");
  return descriptions_[chip];
}

absl::StatusOr<std::shared_ptr<GrpcFleet>> LoopbackFleet::Grpc(int chip) const {
  absl::MutexLock lock(&mu_);
  if (grpc_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(Describe(chip), ": the loopback fleet is stopped"));
  }
  return grpc_;
}

absl::Status LoopbackFleet::LoadSlice(int chip, chipd::SliceBundle bundle) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->LoadSlice(chip, std::move(bundle));
}

absl::StatusOr<chipd::ExecuteResult> LoopbackFleet::Execute(int chip,
                                                            const chipd::ExecuteRequest& request) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->Execute(chip, request);
}

absl::Status LoopbackFleet::Reset(int chip, std::optional<illusion::v1::ChipModel> model) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->Reset(chip, std::move(model));
}

absl::StatusOr<illusion::v1::ChipInfo> LoopbackFleet::GetInfo(int chip) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->GetInfo(chip);
}

absl::StatusOr<illusion::v1::ChipStats> LoopbackFleet::GetStats(int chip) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->GetStats(chip);
}

absl::Status LoopbackFleet::ConfigureWear(int chip, const chipd::WearConfig& config) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->ConfigureWear(chip, config);
}

absl::StatusOr<chipd::WearReport> LoopbackFleet::GetWear(int chip, bool include_cells) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->GetWear(chip, include_cells);
}

absl::StatusOr<chipd::RemapOutcome> LoopbackFleet::Remap(int chip,
                                                         std::optional<uint32_t> shift) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->Remap(chip, shift);
}

absl::StatusOr<chipd::NvmImage> LoopbackFleet::ExportNvm(int chip) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->ExportNvm(chip);
}

absl::Status LoopbackFleet::ImportNvm(int chip, const chipd::NvmImage& image) {
  ASSIGN_OR_RETURN(std::shared_ptr<GrpcFleet> grpc, Grpc(chip));
  return grpc->ImportNvm(chip, image);
}

void LoopbackFleet::Stop() {
  absl::MutexLock lock(&mu_);
  if (grpc_ == nullptr) return;
  // Closes the connections (once no call holds the fleet any more), so
  // the daemons' graceful shutdown has no client to wait for.
  grpc_.reset();
  StopAll(processes_, options_.stop_grace);
}

std::vector<pid_t> LoopbackFleet::pids() const {
  absl::MutexLock lock(&mu_);
  std::vector<pid_t> pids;
  for (const auto& p : processes_) pids.push_back(p->pid());
  return pids;
}

std::vector<std::string> LoopbackFleet::addresses() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> addresses;
  for (const auto& p : processes_) addresses.push_back(p->address());
  return addresses;
}

std::string LoopbackFleet::Stderr(int chip) const {
  absl::MutexLock lock(&mu_);
  if (chip < 0 || chip >= static_cast<int>(processes_.size())) return "";
  return processes_[chip]->Stderr();
}

}  // namespace illusion::coordinator
