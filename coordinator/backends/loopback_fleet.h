#ifndef ILLUSION_COORDINATOR_BACKENDS_LOOPBACK_FLEET_H_
#define ILLUSION_COORDINATOR_BACKENDS_LOOPBACK_FLEET_H_

// LoopbackFleet: N chipd processes started on 127.0.0.1 (ports chosen by the
// kernel), driven through a GrpcFleet. The real multi-process system on one
// machine: every message crosses a process boundary and a socket.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<LoopbackFleet> fleet, LoopbackFleet::Start(8));
//   RETURN_IF_ERROR(fleet->Reset(0, grown_model));
//   ... DeployPartition(partition, graph, weights, *fleet) ...
//   // the destructor stops the processes

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "chipd/chip_runtime.h"
#include "chipd/chipd_launcher.h"
#include "coordinator/backends/grpc_fleet.h"
#include "coordinator/chip_fleet.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// Plain copyable struct; every field has a usable default.
struct LoopbackOptions {
  // Path to chipd; empty = FindChipdBinary() (chipd_locator.h).
  std::string chipd_binary;
  // --chip_model of every process at start (Reset can change it later).
  std::string chip_model = "msp430_rram";
  // More chipd flags, e.g. "--auto_wake=false" (--listen, --chip_id and
  // --chip_model are set by the fleet).
  std::vector<std::string> extra_flags;
  // Per chip: until its "listening on" line and until it answers the health
  // check.
  std::chrono::milliseconds start_timeout{10000};
  // Stop: SIGTERM, then SIGKILL after this long.
  std::chrono::milliseconds stop_grace{2000};
  // Start the processes from one thread each (start-up is mostly the
  // processes' own loading, so this overlaps it). Caveat: chipd::ChipdProcess
  // creates its stdout pipe without O_CLOEXEC, so a chipd forked at the same
  // moment may inherit another's pipe; a chip that then dies at start-up is
  // only reported after start_timeout (with its stderr, as usual) instead of
  // at once. Sequential start has no such delay.
  bool parallel_start = true;
  // The gRPC side (deadlines, message size).
  GrpcFleetOptions grpc;
};

// Owns its chipd processes (chip k runs with --chip_id=k) and the GrpcFleet
// connected to them; the destructor stops the processes. Thread-safe: the
// chip calls go to the GrpcFleet (thread-safe), which each call holds a
// reference to, so Stop may run while calls are in flight (they fail with
// Unavailable naming the chip); Stop and the accessors lock internally.
class LoopbackFleet : public ChipFleet {
 public:
  // Starts `chips` chipd processes, waits until each answers the gRPC health
  // check and connects a GrpcFleet. InvalidArgument for chips < 1; NotFound
  // when there is no chipd binary (listing where it looked); Unavailable
  // naming the chip id, the binary and the process's stderr when a chip does
  // not start (its exit or the start timeout). On error every process
  // already started is stopped.
  static absl::StatusOr<std::unique_ptr<LoopbackFleet>> Start(int chips,
                                                              LoopbackOptions options = {});
  ~LoopbackFleet() override;
  LoopbackFleet(const LoopbackFleet&) = delete;
  LoopbackFleet& operator=(const LoopbackFleet&) = delete;

  int size() const override { return static_cast<int>(descriptions_.size()); }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override;
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override;
  // "chipd 127.0.0.1:50053 (chip 3)".
  std::string Describe(int chip) const override;

  // See GrpcFleet::Reset, GetInfo and GetStats.
  absl::Status Reset(int chip, std::optional<illusion::v1::ChipModel> model = std::nullopt);
  absl::StatusOr<illusion::v1::ChipInfo> GetInfo(int chip);
  absl::StatusOr<illusion::v1::ChipStats> GetStats(int chip);

  // NVM wear levelling: forwarded to the GrpcFleet (see there).
  absl::Status ConfigureWear(int chip, const chipd::WearConfig& config) override;
  absl::StatusOr<chipd::WearReport> GetWear(int chip, bool include_cells) override;
  absl::StatusOr<chipd::RemapOutcome> Remap(int chip, std::optional<uint32_t> shift) override;
  absl::StatusOr<chipd::NvmImage> ExportNvm(int chip) override;
  absl::Status ImportNvm(int chip, const chipd::NvmImage& image) override;

  // Closes the connections, then stops every process still running: SIGTERM
  // to all, then waits for each up to stop_grace before SIGKILL. Idempotent.
  // Later calls fail with Unavailable naming the chip.
  void Stop();

  // Process ids and "127.0.0.1:port" addresses, by chip (tests kill a chip).
  std::vector<pid_t> pids() const;
  std::vector<std::string> addresses() const;
  // What chip `chip`'s process wrote to stderr so far ("" outside the fleet).
  std::string Stderr(int chip) const;
  const std::string& chipd_binary() const { return binary_; }
  // Wall time Start took: processes up, health checks, connection.
  std::chrono::microseconds startup_time() const { return startup_time_; }

 private:
  LoopbackFleet(std::string binary, LoopbackOptions options,
                std::vector<std::unique_ptr<chipd::ChipdProcess>> processes,
                std::unique_ptr<GrpcFleet> grpc);
  // The gRPC fleet, or Unavailable naming `chip` after Stop.
  absl::StatusOr<std::shared_ptr<GrpcFleet>> Grpc(int chip) const;

  const std::string binary_;
  const LoopbackOptions options_;
  const std::vector<std::string> descriptions_;  // by chip
  std::chrono::microseconds startup_time_{0};
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<chipd::ChipdProcess>> processes_ ABSL_GUARDED_BY(mu_);
  // Null after Stop. Dropped before the processes are signalled: a chipd
  // shutting down waits for its clients' connections to close.
  std::shared_ptr<GrpcFleet> grpc_ ABSL_GUARDED_BY(mu_);
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_BACKENDS_LOOPBACK_FLEET_H_
