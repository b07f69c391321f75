// Internal to store/: small helpers shared by the trace store's source files
// (runs and endurance studies): wall-clock stamps, the owner identity of a
// run or study, and error context. Free functions; thread-safe.

#ifndef ILLUSION_STORE_STORE_INTERNAL_H_
#define ILLUSION_STORE_STORE_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace illusion::store::internal {

// Now as ISO 8601 UTC text with milliseconds ("2024-05-01T12:00:00.123Z").
std::string NowUtc();

// This host's name ("unknown" if it cannot be read).
std::string Hostname();

// True unless `pid` certainly no longer exists on this host. EPERM means it
// exists but belongs to another user; an unreaped child counts as alive.
bool ProcessMayBeAlive(int64_t pid);

// `status` with "<context>: " before its message; OK stays OK.
absl::Status WithContext(const absl::Status& status, absl::string_view context);

}  // namespace illusion::store::internal

#endif  // ILLUSION_STORE_STORE_INTERNAL_H_
