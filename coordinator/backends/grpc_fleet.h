#ifndef ILLUSION_COORDINATOR_BACKENDS_GRPC_FLEET_H_
#define ILLUSION_COORDINATOR_BACKENDS_GRPC_FLEET_H_

// GrpcFleet: a ChipFleet whose chips are chipd daemons (chipd/chipd_main.cc)
// reached over gRPC, one "host:port" endpoint per chip. LoadSlice and Execute
// translate with chipd/chip_proto.h, exactly as the daemon does, so a run
// over gRPC produces the same words as the in-process fleet.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<GrpcFleet> fleet,
//                    GrpcFleet::Connect({"10.0.0.7:50051", "10.0.0.8:50051"}));
//   RETURN_IF_ERROR(fleet->Reset(0, model));

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chipd/chip_runtime.h"
#include "chipd/nvm_wear.h"
#include "common/grpc_tuning.h"
#include "coordinator/chip_fleet.h"
#include "proto/illusion/v1/chip.pb.h"
#include "proto/illusion/v1/chip_model.pb.h"

namespace illusion::coordinator {

// Plain copyable struct; every field has a usable default.
struct GrpcFleetOptions {
  // Deadline of every call (LoadSlice, Execute, Reset, ...). A chip that does
  // not answer within it is reported Unavailable.
  std::chrono::milliseconds rpc_deadline{30000};
  // Largest request or response, bytes (LoadSlice carries the weights).
  // Match chipd's --max_grpc_message_mb (default 256).
  int64_t max_message_bytes = int64_t{256} << 20;
  // How long Connect waits for each endpoint's GetInfo.
  std::chrono::milliseconds connect_timeout{5000};
  // Execute: how long the calling thread polls for the chip's answer before
  // it sleeps (common::kExecuteSpinBeforeBlock, see there); 0 = sleep at
  // once (the plain blocking call). Only latency changes, never a result.
  std::chrono::microseconds execute_spin = common::kExecuteSpinBeforeBlock;
};

// Chip k is endpoint k. Owns one channel and stub per chip, reused by every
// call (channel arguments: common::LowLatencyChannelArguments plus the
// message size limits); the chipd processes themselves belong to whoever
// started them (loopback_fleet.h owns its own). Thread-safe: the chip list never changes after Connect and
// gRPC stubs may be shared between threads, so distinct chips (or the same
// chip: chipd serializes) may be called from different threads.
//
// Errors of a chip keep their gRPC code and are prefixed with Describe(chip):
// "chipd 127.0.0.1:50053 (chip 3): slice '...' needs ...". A chip that cannot
// be reached (UNAVAILABLE: refused, reset, dead process) or does not answer
// within the deadline (DEADLINE_EXCEEDED) is Unavailable, naming the chip.
class GrpcFleet : public ChipFleet {
 public:
  // Opens a channel to each endpoint and checks it with GetInfo.
  // InvalidArgument for an empty list, an empty endpoint or a bad option
  // (named with its value); Unavailable naming the chip index and the
  // endpoint when one does not answer within connect_timeout.
  static absl::StatusOr<std::unique_ptr<GrpcFleet>> Connect(std::vector<std::string> endpoints,
                                                            GrpcFleetOptions options = {});
  ~GrpcFleet() override;
  GrpcFleet(const GrpcFleet&) = delete;
  GrpcFleet& operator=(const GrpcFleet&) = delete;

  int size() const override { return static_cast<int>(chips_.size()); }
  absl::Status LoadSlice(int chip, chipd::SliceBundle bundle) override;
  absl::StatusOr<chipd::ExecuteResult> Execute(int chip,
                                               const chipd::ExecuteRequest& request) override;
  // "chipd 127.0.0.1:50053 (chip 3)".
  std::string Describe(int chip) const override;

  // Brings chip `chip` back to fresh (clock 0, power off, no slice, stats
  // zeroed) and, with `model`, reconfigures it to that model (ChipService
  // Reset). NotFound for a chip outside [0, size()); InvalidArgument naming
  // the field for an invalid model (the chip keeps its state); Unavailable
  // when it cannot be reached.
  absl::Status Reset(int chip, std::optional<illusion::v1::ChipModel> model = std::nullopt);
  // The chip's identity, model and loaded slice (ChipService GetInfo).
  absl::StatusOr<illusion::v1::ChipInfo> GetInfo(int chip);
  // The chip's cumulative counters (ChipService GetStats).
  absl::StatusOr<illusion::v1::ChipStats> GetStats(int chip);

  // NVM wear levelling over the ChipService wear RPCs (chipd/wear_proto.h):
  // the chip's own errors (InvalidArgument naming the field, value and
  // limit), NotFound outside [0, size()), Unavailable when unreachable.
  absl::Status ConfigureWear(int chip, const chipd::WearConfig& config) override;
  absl::StatusOr<chipd::WearReport> GetWear(int chip, bool include_cells) override;
  absl::StatusOr<chipd::RemapOutcome> Remap(int chip, std::optional<uint32_t> shift) override;
  absl::StatusOr<chipd::NvmImage> ExportNvm(int chip) override;
  absl::Status ImportNvm(int chip, const chipd::NvmImage& image) override;

  const std::string& endpoint(int chip) const;
  const GrpcFleetOptions& options() const { return options_; }

 private:
  struct Chip;
  GrpcFleet(std::vector<std::unique_ptr<Chip>> chips, GrpcFleetOptions options);
  absl::Status CheckChip(int chip) const;

  const std::vector<std::unique_ptr<Chip>> chips_;
  const GrpcFleetOptions options_;
};

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_BACKENDS_GRPC_FLEET_H_
