#ifndef ILLUSION_COORDINATOR_BACKENDS_CHIPD_LOCATOR_H_
#define ILLUSION_COORDINATOR_BACKENDS_CHIPD_LOCATOR_H_

// Finding the chipd binary to launch (loopback_fleet.h), from a binary run by
// hand (bazel-bin/clients/illusionctl), by `bazel run` or by `bazel test`.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace illusion::coordinator {

// The Bazel workspace name (WORKSPACE: workspace(name = "illusion")): the
// runfiles tree of a binary holds the workspace's files under it.
inline constexpr char kWorkspaceName[] = "illusion";

// The path of an executable chipd, first match of:
//   1. `hint`, when not empty (an error when it is not an executable file);
//   2. $ILLUSION_CHIPD, when set (likewise an error when not executable);
//   3. next to the running binary: <dir>/chipd, <dir>/../chipd/chipd
//      (<dir> = the directory of /proc/self/exe);
//   4. the running binary's runfiles: <exe>.runfiles/illusion/chipd/chipd,
//      $RUNFILES_DIR/illusion/chipd/chipd, $TEST_SRCDIR/illusion/chipd/chipd
//      (a target with data = ["//chipd"]).
// NotFound listing every place it looked. Stateless; thread-safe.
absl::StatusOr<std::string> FindChipdBinary(absl::string_view hint = "");

}  // namespace illusion::coordinator

#endif  // ILLUSION_COORDINATOR_BACKENDS_CHIPD_LOCATOR_H_
