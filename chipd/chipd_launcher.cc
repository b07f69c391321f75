#include "chipd/chipd_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace illusion::chipd {
namespace {

std::string TempPath(int chip_id) {
  const char* dir = std::getenv("TEST_TMPDIR");
  if (dir == nullptr) dir = std::getenv("TMPDIR");
  if (dir == nullptr) dir = "/tmp";
  return absl::StrCat(dir, "/chipd_", chip_id, "_", getpid(), "_XXXXXX");
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChipdProcess>> ChipdProcess::Start(const LaunchOptions& o) {
  if (access(o.binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("chip ", o.chip_id, ": chipd binary '", o.binary,
                                            "' is not executable: ", std::strerror(errno)));
  }
  std::string stderr_path = TempPath(o.chip_id);
  // Close-on-exec: a chipd forked concurrently by another thread must not
  // inherit this one's pipe (dup2 below clears the flag on stdout/stderr).
  const int err_fd = mkostemp(stderr_path.data(), O_CLOEXEC);
  if (err_fd < 0) return absl::InternalError(absl::StrCat("mkstemp: ", std::strerror(errno)));
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(err_fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  std::vector<std::string> args = {o.binary, "--listen=127.0.0.1:0",
                                   absl::StrCat("--chip_id=", o.chip_id),
                                   "--chip_model=" + o.chip_model};
  args.insert(args.end(), o.extra_flags.begin(), o.extra_flags.end());
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(err_fd);
    // The parent may block stop signals; the daemon manages its own mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_fd);
  auto process = absl::WrapUnique(new ChipdProcess(o.chip_id, pid, 0, stderr_path));
  // Read stdout until the "listening on host:port" line.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + o.start_timeout;
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{out_pipe[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    const ssize_t n = read(out_pipe[0], buf, sizeof(buf));
    if (n <= 0) break;
    text.append(buf, n);
  }
  close(out_pipe[0]);
  const size_t at = text.find("listening on ");
  const size_t colon = text.rfind(':', text.find('\n'));
  int port = 0;
  if (at == std::string::npos || colon == std::string::npos ||
      !absl::SimpleAtoi(text.substr(colon + 1, text.find('\n') - colon - 1), &port) || port <= 0) {
    (void)process->Stop(SIGKILL, std::chrono::milliseconds(1000));
    return absl::UnavailableError(absl::StrCat("chip ", o.chip_id, ": chipd '", o.binary,
                                               "' did not start; stdout: '", text,
                                               "'; stderr: '", process->Stderr(), "'"));
  }
  process->port_ = port;
  return process;
}

ChipdProcess::~ChipdProcess() {
  if (!reaped_) (void)Stop(SIGTERM, std::chrono::milliseconds(3000));
  unlink(stderr_path_.c_str());
}

std::string ChipdProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

absl::StatusOr<int> ChipdProcess::Stop(int signal, std::chrono::milliseconds grace) {
  if (reaped_) {
    return absl::FailedPreconditionError(absl::StrCat("chip ", chip_id_, ": already stopped"));
  }
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0) {
      reaped_ = true;
      return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  reaped_ = true;
  return status;
}

}  // namespace illusion::chipd
