#include "chipd/memory_planner.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace illusion::chipd {
namespace {

int64_t AlignUp(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

absl::Status ValidateBuffer(const BufferUse& buffer, size_t index) {
  const std::string who =
      absl::StrCat("buffer '", buffer.name, "' (#", index, ")");
  if (buffer.size_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, " has size ", buffer.size_bytes, " bytes; must be >= 0"));
  }
  if (buffer.first_use < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, " has first_use ", buffer.first_use, "; must be >= 0"));
  }
  if (buffer.last_use < buffer.first_use) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, " has last_use ", buffer.last_use,
                     " before its first_use ", buffer.first_use));
  }
  return absl::OkStatus();
}

// Lowest aligned offset at or after every gap start where `size` bytes fit
// between the `placed` intervals (sorted by offset; they may overlap each
// other because their own lifetimes need not overlap).
int64_t FirstFit(const std::vector<std::pair<int64_t, int64_t>>& placed,
                 int64_t size, int64_t alignment) {
  int64_t candidate = 0;
  for (const auto& [offset, end] : placed) {
    if (end <= candidate) continue;                    // entirely below us
    if (candidate + size <= offset) return candidate;  // fits in the gap
    candidate = AlignUp(end, alignment);
  }
  return candidate;
}

}  // namespace

bool LifetimesOverlap(const BufferUse& a, const BufferUse& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

int64_t MaxLiveBytes(const std::vector<BufferUse>& buffers) {
  // Sweep over op indices: +size at first_use, -size after last_use.
  std::map<int64_t, int64_t> delta;
  for (const BufferUse& buffer : buffers) {
    delta[buffer.first_use] += buffer.size_bytes;
    delta[static_cast<int64_t>(buffer.last_use) + 1] -= buffer.size_bytes;
  }
  int64_t live = 0;
  int64_t max_live = 0;
  for (const auto& [op, change] : delta) {
    live += change;
    max_live = std::max(max_live, live);
  }
  return max_live;
}

absl::StatusOr<MemoryPlan> PlanMemory(const std::vector<BufferUse>& buffers,
                                      const PlannerOptions& options) {
  if (options.alignment_bytes < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alignment is ", options.alignment_bytes, " bytes; must be >= 1"));
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    absl::Status status = ValidateBuffer(buffers[i], i);
    if (!status.ok()) return status;
  }

  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].size_bytes > buffers[b].size_bytes;
  });

  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;  // indices into buffers, in placement order
  for (size_t index : order) {
    const BufferUse& buffer = buffers[index];
    std::vector<std::pair<int64_t, int64_t>> conflicts;  // [offset, end)
    for (size_t other : placed) {
      if (LifetimesOverlap(buffer, buffers[other])) {
        conflicts.emplace_back(plan.offsets[other],
                               plan.offsets[other] + buffers[other].size_bytes);
      }
    }
    std::sort(conflicts.begin(), conflicts.end());
    plan.offsets[index] =
        FirstFit(conflicts, buffer.size_bytes, options.alignment_bytes);
    plan.peak_bytes =
        std::max(plan.peak_bytes, plan.offsets[index] + buffer.size_bytes);
    placed.push_back(index);
  }

  if (options.arena_bytes > 0 && plan.peak_bytes > options.arena_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "memory plan of ", buffers.size(), " buffers needs ", plan.peak_bytes,
        " arena bytes (at least ", MaxLiveBytes(buffers),
        " live at once); arena has ", options.arena_bytes));
  }
  return plan;
}

}  // namespace illusion::chipd
