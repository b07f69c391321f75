// The trace store's SQLite schema: an ordered list of migrations, each
// bringing the database from version N-1 to N, and a one-row table
// `schema_version` recording the version the file is at. An empty database
// is version 0. Migrate() applies the missing migrations, each in its own
// transaction together with its version bump, so a crash mid-migration leaves
// the file at the previous version, never in between.
//
// To change the schema, append a Migration (never edit a released one) and
// bump kSchemaVersion. Free functions, no state: thread-safe; the SqliteDb
// passed in is used from the calling thread only.

#ifndef ILLUSION_STORE_SCHEMA_H_
#define ILLUSION_STORE_SCHEMA_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "store/sqlite_db.h"

namespace illusion::store {

// One schema step: `sql` (one or more statements) turns version `version - 1`
// into `version`.
struct Migration {
  int version;
  absl::string_view sql;
};

// The newest schema version this build knows.
inline constexpr int kSchemaVersion = 4;

// The trace store's migrations, versions 1..kSchemaVersion in order.
absl::Span<const Migration> TraceStoreMigrations();

// The version recorded in `db`: 0 for an empty database. A database that has
// tables but no `schema_version` table is not a trace store:
// FAILED_PRECONDITION naming db.path().
absl::StatusOr<int> ReadSchemaVersion(SqliteDb& db);

// Brings `db` to the last version in `migrations` (which must be numbered
// 1, 2, ... without gaps: else INVALID_ARGUMENT). A database at a newer
// version than the last migration is refused with FAILED_PRECONDITION naming
// the path, its version and the newest known one; nothing is changed.
absl::Status Migrate(SqliteDb& db, absl::Span<const Migration> migrations);

}  // namespace illusion::store

#endif  // ILLUSION_STORE_SCHEMA_H_
