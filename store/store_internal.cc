#include "store/store_internal.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"

namespace illusion::store::internal {

std::string NowUtc() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

bool ProcessMayBeAlive(int64_t pid) {
  if (pid <= 0) return false;  // kill(0 or -1) would address groups.
  if (pid == getpid()) return true;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::StatusOr<int> MarkDeadOwnersIncomplete(SqliteDb& db, absl::string_view table,
                                             absl::string_view noun) {
  const std::string host = Hostname();
  std::vector<std::pair<int64_t, int64_t>> dead;  // (id, owner pid)
  {
    ASSIGN_OR_RETURN(Statement running,
                     db.Prepare(absl::StrCat("SELECT id, owner_pid FROM ", table,
                                             " WHERE status = 'running' AND owner_host = ?1")));
    RETURN_IF_ERROR(running.BindText(1, host));
    while (true) {
      ASSIGN_OR_RETURN(const bool has_row, running.Step());
      if (!has_row) break;
      const int64_t pid = running.ColumnInt64(1);
      if (!ProcessMayBeAlive(pid)) dead.emplace_back(running.ColumnInt64(0), pid);
    }
  }
  if (dead.empty()) return 0;
  int marked = 0;
  RETURN_IF_ERROR(db.InTransaction([&]() -> absl::Status {
    // `status = 'running'` again: another opener may have marked it first.
    ASSIGN_OR_RETURN(Statement mark,
                     db.Prepare(absl::StrCat("UPDATE ", table,
                                             " SET status = 'incomplete', finished_at = ?2, "
                                             "error = ?3 WHERE id = ?1 AND status = 'running'")));
    for (const auto& [id, pid] : dead) {
      mark.Reset();
      RETURN_IF_ERROR(mark.BindInt64(1, id));
      RETURN_IF_ERROR(mark.BindText(2, NowUtc()));
      RETURN_IF_ERROR(mark.BindText(3, absl::StrCat("owner process ", pid, " on ", host,
                                                    " exited before finishing the ", noun)));
      RETURN_IF_ERROR(mark.Run());
      marked += static_cast<int>(db.Changes());
    }
    return absl::OkStatus();
  }));
  return marked;
}

}  // namespace illusion::store::internal
