#include "store/schema.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::store {
namespace {

// Version 1: every table. Times in traces are virtual seconds from the start
// of the run (`*_s`); energies are joules; wall-clock stamps are ISO 8601 UTC
// text. Chip ids are 0-based; in messages, -1 is the coordinator. The
// indexes cover the CLI's per-run queries.
constexpr absl::string_view kVersion1 = R"sql(
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  config_json TEXT NOT NULL
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  strategy TEXT NOT NULL,
  backend TEXT NOT NULL,
  schedule TEXT NOT NULL,
  chip_count INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL
);
CREATE INDEX runs_by_experiment ON runs (experiment_id);

CREATE TABLE chips (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  chip INTEGER NOT NULL,
  model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  PRIMARY KEY (run_id, chip)
);

CREATE TABLE slices (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  chip INTEGER NOT NULL,
  label TEXT NOT NULL,
  ops_json TEXT NOT NULL,
  weight_bytes INTEGER NOT NULL,
  activation_peak_bytes INTEGER NOT NULL
);
CREATE INDEX slices_by_run ON slices (run_id, chip);

CREATE TABLE power_intervals (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  chip INTEGER NOT NULL,
  state TEXT NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  energy_j REAL NOT NULL
);
CREATE INDEX power_intervals_by_run ON power_intervals (run_id);

CREATE TABLE messages (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  source INTEGER NOT NULL,
  destination INTEGER NOT NULL,
  words INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  energy_j REAL NOT NULL,
  PRIMARY KEY (run_id, inference, seq)
);

CREATE TABLE layer_executions (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  chip INTEGER NOT NULL,
  op TEXT NOT NULL,
  out_begin INTEGER NOT NULL,
  out_end INTEGER NOT NULL,
  cycles INTEGER NOT NULL,
  start_s REAL NOT NULL,
  end_s REAL NOT NULL,
  energy_j REAL NOT NULL
);
CREATE INDEX layer_executions_by_run ON layer_executions (run_id);

CREATE TABLE reports (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  json TEXT NOT NULL
);
)sql";

// Version 2: the run's role in its experiment gets its own column ("run" or
// "baseline", the ideal-chip run); version 1 stores marked a baseline with a
// ":baseline" suffix on the strategy, which this moves into the column.
constexpr absl::string_view kVersion2 = R"sql(
ALTER TABLE runs ADD COLUMN phase TEXT NOT NULL DEFAULT 'run'
  CHECK (phase IN ('run', 'baseline'));
UPDATE runs SET phase = 'baseline', strategy = substr(strategy, 1, length(strategy) - 9)
  WHERE strategy LIKE '%:baseline';
)sql";

// Version 3: NVM wear levelling (Distributed ENDURER) of a run: each
// physical chip's wear after every round, the remaps and swaps, and the
// persisted ENDURER state.
constexpr absl::string_view kVersion3 = R"sql(
CREATE TABLE chip_wear (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  chip INTEGER NOT NULL,
  virtual_chip INTEGER NOT NULL,
  write_count INTEGER NOT NULL,
  pending INTEGER NOT NULL,
  remaps INTEGER NOT NULL,
  offset INTEGER NOT NULL
);
CREATE INDEX chip_wear_by_run ON chip_wear (run_id);

CREATE TABLE wear_events (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('remap', 'swap')),
  chip INTEGER NOT NULL,
  other_chip INTEGER NOT NULL,
  virtual_chip INTEGER NOT NULL,
  shift INTEGER NOT NULL,
  writes INTEGER NOT NULL,
  eps REAL NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE endurer_states (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  inference INTEGER NOT NULL,
  mode TEXT NOT NULL,
  swap_count INTEGER NOT NULL,
  eps REAL NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (run_id, inference)
);
)sql";

// Version 4: endurance-resilience studies (`illusionctl endurance study`),
// which are not runs of an experiment: one row per study (its flags as JSON,
// life cycle like a run's, the summary once finished) and one row per
// (scheme, checkpoint) point, written as each point is computed.
constexpr absl::string_view kVersion4 = R"sql(
CREATE TABLE endurance_studies (
  id INTEGER PRIMARY KEY,
  workload TEXT NOT NULL,
  source TEXT NOT NULL,
  chips INTEGER NOT NULL,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'complete', 'incomplete', 'failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  error TEXT,
  owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL,
  clean_accuracy_pct REAL,
  clean_correct INTEGER,
  clean_total INTEGER,
  nr_lifetime_days REAL,
  de_lifetime_days REAL,
  lifetime_gain REAL,
  summary_json TEXT
);

CREATE TABLE endurance_points (
  study_id INTEGER NOT NULL REFERENCES endurance_studies(id),
  scheme TEXT NOT NULL CHECK (scheme IN ('NR', 'DE')),
  timepoint INTEGER NOT NULL,
  label TEXT NOT NULL,
  cum_days REAL NOT NULL,
  accuracy_pct REAL NOT NULL,
  correct INTEGER NOT NULL,
  total INTEGER NOT NULL,
  high_path INTEGER NOT NULL,
  mask_chip INTEGER NOT NULL,
  mask_stuck_bits INTEGER NOT NULL,
  stuck_bits_total INTEGER NOT NULL,
  stuck_bits_per_chip TEXT NOT NULL,
  PRIMARY KEY (study_id, scheme, timepoint)
);
)sql";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
};

// Created on the first migration of an empty (version 0) database.
constexpr absl::string_view kVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version)
  SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
)sql";

absl::Status CheckNotNewer(SqliteDb& db, int version, int newest) {
  if (version <= newest) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("trace store '", db.path(), "' has schema version ", version,
                   "; this build knows versions up to ", newest,
                   ": open it with a newer illusion"));
}

absl::StatusOr<bool> TableExists(SqliteDb& db, absl::string_view table) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db.Prepare("SELECT 1 FROM sqlite_schema "
                              "WHERE type = 'table' AND name = ?1"));
  RETURN_IF_ERROR(stmt.BindText(1, table));
  return stmt.Step();
}

absl::Status CheckNumbering(absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "migration ", i, " has version ", migrations[i].version,
          "; migrations must be numbered 1, 2, ... in order, expected ",
          i + 1));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Span<const Migration> TraceStoreMigrations() { return kMigrations; }

absl::StatusOr<int> ReadSchemaVersion(SqliteDb& db) {
  ASSIGN_OR_RETURN(const bool has_version, TableExists(db, "schema_version"));
  if (!has_version) {
    ASSIGN_OR_RETURN(Statement any, db.Prepare("SELECT name FROM sqlite_schema "
                                               "WHERE type = 'table' LIMIT 1"));
    ASSIGN_OR_RETURN(const bool has_tables, any.Step());
    if (has_tables) {
      return absl::FailedPreconditionError(absl::StrCat(
          "'", db.path(), "' is not an Illusion trace store: it has table '",
          any.ColumnText(0), "' but no schema_version table"));
    }
    return 0;
  }
  ASSIGN_OR_RETURN(Statement stmt,
                   db.Prepare("SELECT version FROM schema_version"));
  ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
  if (!has_row) {
    return absl::DataLossError(absl::StrCat(
        "trace store '", db.path(), "' has an empty schema_version table"));
  }
  return static_cast<int>(stmt.ColumnInt64(0));
}

absl::Status Migrate(SqliteDb& db, absl::Span<const Migration> migrations) {
  RETURN_IF_ERROR(CheckNumbering(migrations));
  const int newest = static_cast<int>(migrations.size());
  ASSIGN_OR_RETURN(const int initial, ReadSchemaVersion(db));
  RETURN_IF_ERROR(CheckNotNewer(db, initial, newest));
  for (const Migration& migration : migrations) {
    if (initial >= migration.version) continue;
    // The version is re-read inside each write transaction so two processes
    // opening a new file at once apply every migration exactly once.
    RETURN_IF_ERROR(db.InTransaction([&]() -> absl::Status {
      ASSIGN_OR_RETURN(const int version, ReadSchemaVersion(db));
      RETURN_IF_ERROR(CheckNotNewer(db, version, newest));
      if (version >= migration.version) return absl::OkStatus();
      RETURN_IF_ERROR(db.Exec(kVersionTable));
      RETURN_IF_ERROR(db.Exec(migration.sql));
      ASSIGN_OR_RETURN(Statement bump,
                       db.Prepare("UPDATE schema_version SET version = ?1"));
      RETURN_IF_ERROR(bump.BindInt64(1, migration.version));
      return bump.Run();
    }));
  }
  return absl::OkStatus();
}

}  // namespace illusion::store
