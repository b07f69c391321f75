#ifndef ILLUSION_CHIPD_WEAR_PROTO_H_
#define ILLUSION_CHIPD_WEAR_PROTO_H_

// The NVM wear value types (nvm_wear.h) <-> illusion.v1 chip.proto
// messages. Used by the chipd service and by gRPC clients (the
// coordinator's chip fleet), so both sides translate the same way. Modes
// travel as their endurer::ModeName ("none", "endurer", "distributed").
// Stateless functions; thread-safe.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "chipd/nvm_wear.h"
#include "proto/illusion/v1/chip.pb.h"

namespace illusion::chipd {

illusion::v1::ConfigureWearRequest WearConfigToProto(const WearConfig& config);
// Absent fields take the WearConfig defaults; an empty mode is "none".
// InvalidArgument naming the text for an unknown mode. Ranges are the
// runtime's to check.
absl::StatusOr<WearConfig> WearConfigFromProto(const illusion::v1::ConfigureWearRequest& proto);

illusion::v1::WearReport WearReportToProto(const WearReport& report);
// InvalidArgument for an unknown mode name.
absl::StatusOr<WearReport> WearReportFromProto(const illusion::v1::WearReport& proto);

illusion::v1::RemapRequest RemapRequestToProto(std::optional<uint32_t> shift);
std::optional<uint32_t> RemapShiftFromProto(const illusion::v1::RemapRequest& proto);

illusion::v1::RemapResponse RemapOutcomeToProto(const RemapOutcome& outcome);
RemapOutcome RemapOutcomeFromProto(const illusion::v1::RemapResponse& proto);

illusion::v1::NvmImage NvmImageToProto(const NvmImage& image);
// InvalidArgument naming the index and value of a word above 0xFFFF.
absl::StatusOr<NvmImage> NvmImageFromProto(const illusion::v1::NvmImage& proto);

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_WEAR_PROTO_H_
