#include "coordinator/backends/chipd_locator.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace illusion::coordinator {
namespace {

constexpr char kChipdRelative[] = "chipd/chipd";

// Empty when `path` is an executable regular file, else why not. (A plain
// access(X_OK) accepts directories, and bazel-bin/chipd is one.)
std::string WhyNotExecutable(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (access(path.c_str(), X_OK) != 0) return std::strerror(errno);
  return "";
}

std::string SelfExe() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  return std::string(buf.data(), n);
}

}  // namespace

absl::StatusOr<std::string> FindChipdBinary(absl::string_view hint) {
  if (!hint.empty()) {
    const std::string path(hint);
    const std::string why = WhyNotExecutable(path);
    if (!why.empty()) {
      return absl::NotFoundError(
          absl::StrCat("chipd binary '", path, "' (as given) is not executable: ", why));
    }
    return path;
  }
  if (const char* env = std::getenv("ILLUSION_CHIPD"); env != nullptr && *env != '\0') {
    const std::string why = WhyNotExecutable(env);
    if (!why.empty()) {
      return absl::NotFoundError(
          absl::StrCat("chipd binary '", env, "' ($ILLUSION_CHIPD) is not executable: ", why));
    }
    return std::string(env);
  }
  std::vector<std::string> candidates;
  const std::string exe = SelfExe();
  if (!exe.empty()) {
    const std::string dir = exe.substr(0, exe.rfind('/'));
    candidates.push_back(dir + "/chipd");
    candidates.push_back(dir + "/../chipd/chipd");
    candidates.push_back(absl::StrCat(exe, ".runfiles/", kWorkspaceName, "/", kChipdRelative));
  }
  for (const char* var : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* root = std::getenv(var); root != nullptr && *root != '\0') {
      candidates.push_back(absl::StrCat(root, "/", kWorkspaceName, "/", kChipdRelative));
    }
  }
  std::vector<std::string> looked;
  for (const std::string& path : candidates) {
    const std::string why = WhyNotExecutable(path);
    if (why.empty()) return path;
    looked.push_back(absl::StrCat(path, " (", why, ")"));
  }
  if (exe.empty()) looked.push_back("/proc/self/exe (unreadable)");
  looked.push_back("$ILLUSION_CHIPD (not set)");
  return absl::NotFoundError(absl::StrCat(
      "no chipd binary found; give its path or set $ILLUSION_CHIPD. Looked at: ",
      absl::StrJoin(looked, "; ")));
}

}  // namespace illusion::coordinator
