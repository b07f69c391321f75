// Activation-arena planning for one slice, in the style of TensorFlow Lite
// Micro's GreedyMemoryPlanner (tensorflow/lite/micro/memory_planner/
// greedy_memory_planner.h).
//
// Input: buffers with a size and a lifetime [first_use, last_use] in op
// indices (inclusive). Output: a byte offset per buffer in one arena and the
// arena's high-water mark. Two buffers whose lifetimes overlap never overlap
// in memory; buffers with disjoint lifetimes may share bytes.
//
// Algorithm (greedy by size): visit the buffers from largest to smallest
// (ties: input order). For each, collect the already placed buffers whose
// lifetimes overlap it, sorted by offset, and put it in the lowest aligned
// gap between them that fits (or after the last one). O(n^2 log n); n is the
// number of tensors of one slice (tens), so this is cheap. Like TFLM, this is
// a heuristic: the peak is at least MaxLiveBytes() but not always equal.
//
// All functions are stateless and thread-safe.

#ifndef ILLUSION_CHIPD_MEMORY_PLANNER_H_
#define ILLUSION_CHIPD_MEMORY_PLANNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace illusion::chipd {

// One buffer to place: `name` is for error messages; the buffer is live from
// op `first_use` through op `last_use`, both inclusive.
struct BufferUse {
  std::string name;
  int64_t size_bytes = 0;
  int first_use = 0;
  int last_use = 0;
};

struct PlannerOptions {
  // Every offset is a multiple of this (must be >= 1). Default 4: int32
  // partial sums; use 2 for the MSP430's 16-bit words.
  int64_t alignment_bytes = 4;
  // Arena size to fit in; 0 means unlimited. A plan whose peak exceeds it is
  // RESOURCE_EXHAUSTED.
  int64_t arena_bytes = 0;
};

// The result: offsets[i] is the offset of buffers[i] of the request.
struct MemoryPlan {
  std::vector<int64_t> offsets;
  // High-water mark: max over buffers of offset + size_bytes (0 if none).
  int64_t peak_bytes = 0;
};

// True if the inclusive lifetimes of `a` and `b` share an op index.
bool LifetimesOverlap(const BufferUse& a, const BufferUse& b);

// Largest sum of sizes of buffers live at the same op: a lower bound on the
// peak of any plan (alignment padding aside).
int64_t MaxLiveBytes(const std::vector<BufferUse>& buffers);

// Places `buffers` as described above. INVALID_ARGUMENT naming the buffer if a
// size is negative, first_use is negative or last_use < first_use, or if the
// alignment is < 1; RESOURCE_EXHAUSTED with the peak and the limit if
// options.arena_bytes > 0 and the plan does not fit.
absl::StatusOr<MemoryPlan> PlanMemory(const std::vector<BufferUse>& buffers,
                                      const PlannerOptions& options = {});

}  // namespace illusion::chipd

#endif  // ILLUSION_CHIPD_MEMORY_PLANNER_H_
