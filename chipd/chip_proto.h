#ifndef ILLUSION_CHIPD_CHIP_PROTO_H_
#define ILLUSION_CHIPD_CHIP_PROTO_H_

// ChipRuntime's request and result types <-> illusion.v1 chip.proto
// messages. Used by the chipd service and by gRPC clients (the coordinator's
// chip fleet), so both sides translate the same way.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chipd/chip_runtime.h"
#include "proto/illusion/v1/chip.pb.h"

namespace illusion::chipd {

// 16-bit words <-> little-endian bytes.
std::string WordsToBytes(const Words& words);
// InvalidArgument naming `what` for an odd byte count.
absl::StatusOr<Words> WordsFromBytes(absl::string_view bytes, absl::string_view what);

illusion::v1::LoadSliceRequest SliceBundleToProto(const SliceBundle& bundle);
// InvalidArgument for a partition, graph or weight tensor that does not parse.
absl::StatusOr<SliceBundle> SliceBundleFromProto(const illusion::v1::LoadSliceRequest& proto);

illusion::v1::ExecuteRequest ExecuteRequestToProto(const ExecuteRequest& request);
absl::StatusOr<ExecuteRequest> ExecuteRequestFromProto(const illusion::v1::ExecuteRequest& proto);

illusion::v1::ExecuteResponse ExecuteResultToProto(const ExecuteResult& result);
absl::StatusOr<ExecuteResult> ExecuteResultFromProto(const illusion::v1::ExecuteResponse& proto);

illusion::v1::SliceInfo SliceInfoToProto(const SliceInfo& info);
SliceInfo SliceInfoFromProto(const illusion::v1::SliceInfo& proto);
illusion::v1::ChipStats ChipStatsToProto(const ChipStats& stats);
illusion::v1::PowerState PowerStateToProto(PowerState state);

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIP_PROTO_H_
