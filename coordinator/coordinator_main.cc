// coordinator: the long-running Illusion coordinator daemon. Serves
// CoordinatorService (proto/illusion/v1/coordinator.proto) plus the gRPC
// health and reflection services, records every run in its SQLite trace
// store, and launches chipd processes on loopback for loopback experiments.
// SIGTERM/SIGINT: stop accepting, give in-flight calls --shutdown_grace_ms,
// exit 0.
//
//   coordinator [--listen=127.0.0.1:50050] [--database=PATH] [--chipd=PATH]

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/grpc_tuning.h"
#include "coordinator/server/coordinator_core.h"
#include "coordinator/server/coordinator_service.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50050",
          "host:port to serve on; port 0 picks a free port (printed).");
ABSL_FLAG(std::string, database, "",
          "Trace store (SQLite file); default $ILLUSION_DB, else "
          "$XDG_DATA_HOME/illusion/traces.db, else ~/.local/share/illusion/traces.db.");
ABSL_FLAG(std::string, chipd, "",
          "chipd binary for loopback experiments; default $ILLUSION_CHIPD, else next to this "
          "binary or in its runfiles.");
ABSL_FLAG(int, max_grpc_message_mb, 256, "Largest gRPC request or response in MiB.");
ABSL_FLAG(int, shutdown_grace_ms, 5000, "On SIGTERM/SIGINT, in-flight calls get this long.");

namespace {

int Fail(const std::string& message) {
  std::cerr << "coordinator: " << message << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "coordinator [--listen=127.0.0.1:50050] [--database=PATH] [--chipd=PATH]");
  absl::ParseCommandLine(argc, argv);
  illusion::common::TurnOffMutexDeadlockDetection();

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  illusion::coordinator::CoordinatorOptions options;
  options.database = absl::GetFlag(FLAGS_database);
  options.loopback.chipd_binary = absl::GetFlag(FLAGS_chipd);
  absl::StatusOr<std::unique_ptr<illusion::coordinator::CoordinatorCore>> core =
      illusion::coordinator::CoordinatorCore::Create(options);
  if (!core.ok()) return Fail(std::string(core.status().message()));
  illusion::coordinator::CoordinatorServiceImpl service(core->get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
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
  std::cout << "coordinator: listening on " << host << ":" << port << " (trace store "
            << (*core)->database() << ")" << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "coordinator: got signal " << signal << ", shutting down" << std::endl;
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(absl::GetFlag(FLAGS_shutdown_grace_ms)));
  server->Wait();
  return 0;
}
