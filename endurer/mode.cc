#include "endurer/mode.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace illusion::endurer {

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kNoResiliency:
      return "none";
    case Mode::kEndurer:
      return "endurer";
    case Mode::kDistributed:
      return "distributed";
  }
  return "unknown";
}

absl::StatusOr<Mode> ParseMode(absl::string_view text) {
  if (text == "none" || text == "nr" || text == "no_resiliency" || text == "0") {
    return Mode::kNoResiliency;
  }
  if (text == "endurer" || text == "1") return Mode::kEndurer;
  if (text == "distributed" || text == "de" || text == "distributed_endurer" || text == "2") {
    return Mode::kDistributed;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown endurer mode '", text, "' (want none, endurer or distributed)"));
}

}  // namespace illusion::endurer
