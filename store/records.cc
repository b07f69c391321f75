#include "store/records.h"

#include "absl/strings/str_cat.h"

namespace illusion::store {

absl::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kComplete:
      return "complete";
    case RunStatus::kIncomplete:
      return "incomplete";
    case RunStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

absl::StatusOr<RunStatus> ParseRunStatus(absl::string_view name) {
  for (RunStatus status : {RunStatus::kRunning, RunStatus::kComplete,
                           RunStatus::kIncomplete, RunStatus::kFailed}) {
    if (name == RunStatusName(status)) return status;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown run status '", name,
                   "'; valid: running, complete, incomplete, failed"));
}

}  // namespace illusion::store
