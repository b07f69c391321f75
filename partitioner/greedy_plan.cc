#include "partitioner/greedy_plan.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace illusion::partitioner {

char SplitKindChar(SplitKind split) {
  switch (split) {
    case SplitKind::kOutput:
      return 'o';
    case SplitKind::kInput:
      return 'i';
    case SplitKind::kNone:
      break;
  }
  return '-';
}

std::string ChipName(const ChipPlan& chip) {
  return chip.dummy ? absl::StrCat("node_", chip.index, "_dummy")
                    : absl::StrCat("node_", chip.index);
}

}  // namespace illusion::partitioner
