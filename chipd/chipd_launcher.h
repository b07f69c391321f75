#ifndef ILLUSION_CHIPD_CHIPD_LAUNCHER_H_
#define ILLUSION_CHIPD_CHIPD_LAUNCHER_H_

// Starts chipd processes on loopback and stops them: used by the
// coordinator's loopback backend and by the multi-process tests.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::chipd {

struct LaunchOptions {
  std::string binary;  // path to chipd
  int chip_id = 0;
  std::string chip_model = "msp430_rram";
  std::vector<std::string> extra_flags;  // e.g. "--auto_wake=false"
  // How long to wait for the "listening on" line.
  std::chrono::milliseconds start_timeout{10000};
};

// One running chipd process. Stop() (or the destructor) sends SIGTERM and
// waits, escalating to SIGKILL after `grace`. Not thread-safe; owned by one
// launcher thread.
class ChipdProcess {
 public:
  // Forks and execs chipd with --listen=127.0.0.1:0, reads the chosen port
  // from its stdout. Unavailable naming the chip id, the binary and the
  // process's stderr when it exits or stays silent past the timeout.
  static absl::StatusOr<std::unique_ptr<ChipdProcess>> Start(const LaunchOptions& options);
  ~ChipdProcess();
  ChipdProcess(const ChipdProcess&) = delete;
  ChipdProcess& operator=(const ChipdProcess&) = delete;

  int chip_id() const { return chip_id_; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // What the process wrote to stderr so far (kept in a temp file).
  std::string Stderr() const;

  // Sends `signal` and waits up to `grace`, then SIGKILL. Returns the wait
  // status (as waitpid) or an error when the process was already reaped.
  absl::StatusOr<int> Stop(int signal, std::chrono::milliseconds grace);

 private:
  ChipdProcess(int chip_id, pid_t pid, int port, std::string stderr_path)
      : chip_id_(chip_id), pid_(pid), port_(port), stderr_path_(std::move(stderr_path)) {}
  int chip_id_;
  pid_t pid_;
  int port_;
  std::string stderr_path_;
  bool reaped_ = false;
};

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_CHIPD_LAUNCHER_H_
