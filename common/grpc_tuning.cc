#include "common/grpc_tuning.h"

#include <grpc/grpc.h>

#include "absl/synchronization/mutex.h"

namespace illusion::common {

grpc::ChannelArguments LowLatencyChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetString(GRPC_ARG_OPTIMIZATION_TARGET, "latency");
  args.SetInt(GRPC_ARG_ENABLE_CHANNELZ, 0);
  return args;
}

void ApplyLowLatencyServerOptions(grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder->AddChannelArgument(GRPC_ARG_OPTIMIZATION_TARGET, "latency");
  builder->AddChannelArgument(GRPC_ARG_ENABLE_CHANNELZ, 0);
}

void TurnOffMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace illusion::common
