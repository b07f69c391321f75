#ifndef ILLUSION_COMMON_GRPC_TUNING_H_
#define ILLUSION_COMMON_GRPC_TUNING_H_

// gRPC settings for Illusion's latency-bound calls: one small unary RPC at a
// time per chip (an Execute waits for the previous chip's output), on
// loopback or a LAN, on machines with few cores. Applied alike by chipd
// (server) and the coordinator's GrpcFleet (client).
//
//   grpc::ServerBuilder builder;
//   common::ApplyLowLatencyServerOptions(&builder);
//
//   grpc::ChannelArguments args = common::LowLatencyChannelArguments();
//   args.SetMaxReceiveMessageSize(...);
//   auto channel = grpc::CreateCustomChannel(target, credentials, args);

#include <grpcpp/grpcpp.h>

#include <chrono>

namespace illusion::common {

// How long a thread waiting for the answer to a latency-bound call (a chip's
// Execute) polls for it (epoll with a zero timeout, in a loop) before it
// sleeps. A caller asleep in epoll costs every call a wake-up: on a small VM
// an inter-processor interrupt or a trip through the scheduler, and on a
// busy machine a wait for a CPU. A polling caller sees the answer at once,
// and a chipd woken on the caller's CPU simply preempts it. fleet_bench, SVHN
// on 8 loopback chipd processes, 2-CPU VM with compiles running (load 2-4),
// medians of 5 runs: 452 inferences/s blocking at once, 484 with 100 us of
// polling, 512 with 300 us, 526 with 1 ms. Sleeping after the budget bounds
// the CPU a slow chip (a long LoadSlice is not an Execute) or a dead one
// costs; sched_yield between polls was no better and hands the CPU to any
// compile for a whole slice.
inline constexpr std::chrono::microseconds kExecuteSpinBeforeBlock{1000};

// Client channel arguments: no HTTP/2 BDP probe pings (extra frames and
// wake-ups on bursts of data), no proxy lookup, a subchannel owned by the
// channel (not shared through the global pool), no channelz call counters
// and optimization target "latency". Together they save ~3-7 us of a ~60 us
// loopback call (chip_service_bench on one CPU); the callback API on the
// server is what matters (chip_service.h). Left as they are on purpose:
// transparent retries (turning them off saved nothing measurable) and the
// filter stack (no "grpc.minimal_stack": chipd's --max_grpc_message_mb and
// the callers' deadlines must hold).
grpc::ChannelArguments LowLatencyChannelArguments();

// The same transport settings for a server (no BDP probe, no channelz,
// target "latency"). The sync server's thread options are left alone: one
// completion queue with a single poller made a loopback Execute ~1 ms
// (chip_service_bench); serve latency-bound calls with the callback API.
void ApplyLowLatencyServerOptions(grpc::ServerBuilder* builder);

// Turns off absl::Mutex's deadlock detection for the whole process. The
// system abseil is built without NDEBUG, so otherwise every absl::Mutex lock
// (gRPC 1.51's mutexes included) runs the debug detector: a stack trace and
// a global lock-order graph update per nested lock, ~5% of a loopback
// Execute's CPU in chipd and a share of the coordinator's polling loop. It
// only diagnoses lock-order bugs; no result depends on it. Called first in
// main() by chipd, coordinator, illusionctl and fleet_bench (tests keep it).
void TurnOffMutexDeadlockDetection();

}  // namespace illusion::common

#endif  // ILLUSION_COMMON_GRPC_TUNING_H_
