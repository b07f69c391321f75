// chipd: one Illusion chip as a gRPC daemon (ChipService, health, server
// reflection). Prints "chipd: chip <id> (<model>) listening on <host:port>"
// once it serves; SIGTERM or SIGINT shut it down within --shutdown_grace_ms.

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "chipd/chip_model.h"
#include "chipd/chip_runtime.h"
#include "chipd/chip_service.h"
#include "common/grpc_tuning.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "Address to serve on; port 0 lets the kernel choose (the chosen port is printed).");
ABSL_FLAG(int, chip_id, 0, "This chip's id (the physical chip index it will load).");
ABSL_FLAG(std::string, chip_model, "msp430_rram",
          "Built-in chip model (msp430_rram, accel_rram_28nm) or a .textproto path.");
ABSL_FLAG(bool, auto_wake, true, "Execute wakes a sleeping chip (else SetPowerState first).");
ABSL_FLAG(bool, activations_in_nvm, false, "Keep activations in NVM (counted NVM writes).");
ABSL_FLAG(int64_t, max_message_words, int64_t{1} << 20, "Largest message in 16-bit words.");
ABSL_FLAG(int, max_grpc_message_mb, 256, "Largest gRPC request or response in MiB.");
ABSL_FLAG(int, shutdown_grace_ms, 2000, "On SIGTERM/SIGINT, in-flight calls get this long.");

namespace {

int Fail(const std::string& message) {
  std::cerr << "chipd: " << message << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("chipd --chip_id=K [--chip_model=msp430_rram] [--listen=127.0.0.1:0]");
  absl::ParseCommandLine(argc, argv);
  illusion::common::TurnOffMutexDeadlockDetection();

  // Block the stop signals in every thread (gRPC's threads inherit the mask);
  // the main thread takes them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const int chip_id = absl::GetFlag(FLAGS_chip_id);
  if (chip_id < 0) return Fail("--chip_id must be >= 0; got " + std::to_string(chip_id));
  absl::StatusOr<illusion::v1::ChipModel> model =
      illusion::chipd::LoadChipModel(absl::GetFlag(FLAGS_chip_model));
  if (!model.ok()) return Fail(std::string(model.status().message()));
  illusion::chipd::ChipRuntimeOptions options;
  options.auto_wake = absl::GetFlag(FLAGS_auto_wake);
  options.activations_in_nvm = absl::GetFlag(FLAGS_activations_in_nvm);
  options.max_message_words = absl::GetFlag(FLAGS_max_message_words);
  const std::string model_name = model->name();
  absl::StatusOr<std::unique_ptr<illusion::chipd::ChipRuntime>> runtime =
      illusion::chipd::ChipRuntime::Create(chip_id, *std::move(model), options);
  if (!runtime.ok()) return Fail(std::string(runtime.status().message()));
  illusion::chipd::ChipServiceImpl service(runtime->get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  illusion::common::ApplyLowLatencyServerOptions(&builder);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  const int max_bytes = absl::GetFlag(FLAGS_max_grpc_message_mb) * (1 << 20);
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Fail("cannot listen on " + listen);
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "chipd: chip " << chip_id << " (" << model_name << ") listening on " << host << ":"
            << port << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "chipd: chip " << chip_id << " got signal " << signal << ", shutting down"
            << std::endl;
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms)));
  server->Wait();
  return 0;
}
