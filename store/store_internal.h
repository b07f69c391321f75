// Internal to store/: small helpers shared by the trace store's source files
// (runs and endurance studies): wall-clock stamps, the owner identity of a
// run or study, and error context. Free functions; thread-safe.

#ifndef ILLUSION_STORE_STORE_INTERNAL_H_
#define ILLUSION_STORE_STORE_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "store/sqlite_db.h"

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

// Marks 'incomplete' every 'running' row of `table` (runs or
// endurance_studies: columns id, status, finished_at, error, owner_pid,
// owner_host) whose owner process on this host is gone; `noun` ("run",
// "study") names it in the error text. Returns how many were marked.
// Reads first, so a store with nothing to mark takes no write lock.
absl::StatusOr<int> MarkDeadOwnersIncomplete(SqliteDb& db, absl::string_view table,
                                             absl::string_view noun);

}  // namespace illusion::store::internal

#endif  // ILLUSION_STORE_STORE_INTERNAL_H_
