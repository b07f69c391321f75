#include "store/trace_store.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/record_codec.h"
#include "store/schema.h"
#include "store/store_internal.h"

namespace illusion::store {
namespace {

constexpr absl::string_view kTableNames[] = {"experiments",
                                             "runs",
                                             "chips",
                                             "slices",
                                             "power_intervals",
                                             "messages",
                                             "layer_executions",
                                             "reports",
                                             "chip_wear",
                                             "wear_events",
                                             "endurer_states",
                                             "endurance_studies",
                                             "endurance_points"};

constexpr absl::string_view kRunColumns =
    "id, experiment_id, strategy, backend, schedule, chip_count, status, "
    "started_at, finished_at, error, owner_pid, owner_host, phase";

using internal::Hostname;
using internal::NowUtc;
using internal::WithContext;

absl::Status CreateParentDirectories(const std::string& path) {
  if (path == ":memory:" || path.empty() || path.rfind("file:", 0) == 0) {
    return absl::OkStatus();
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (!error) return absl::OkStatus();
  return absl::Status(
      error == std::errc::permission_denied
          ? absl::StatusCode::kPermissionDenied
          : absl::StatusCode::kInternal,
      absl::StrCat("creating directory '", parent.string(),
                   "' for trace store '", path, "': ", error.message()));
}

absl::Status CheckJson(absl::string_view what, absl::string_view json) {
  if (nlohmann::json::accept(json.begin(), json.end())) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is not valid JSON: '", json.substr(0, 80), "'"));
}

absl::Status NoRun(int64_t run_id) {
  return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
}

// The rows of one run in `Record`'s table, in insertion order.
template <typename Record>
absl::StatusOr<std::vector<Record>> QueryByRun(SqliteDb& db, int64_t run_id) {
  ASSIGN_OR_RETURN(Statement stmt, db.Prepare(RecordCodec<Record>::kSelectSql));
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  std::vector<Record> records;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return records;
    RecordCodec<Record>::Read(stmt, &records.emplace_back());
  }
}

// Validates all rows, then inserts them in one transaction with `stmt`
// (parameter 1 is the run id; the codec binds the rest).
template <typename Record>
absl::Status InsertBatch(SqliteDb& db, Statement& stmt, int64_t run_id,
                         int chip_count, absl::Span<const Record> records) {
  using Codec = RecordCodec<Record>;
  const absl::string_view table = Codec::kTable;
  for (size_t i = 0; i < records.size(); ++i) {
    RETURN_IF_ERROR(
        WithContext(Codec::Validate(records[i], chip_count),
                    absl::StrCat(table, " row ", i, " of ", records.size(),
                                 " for run ", run_id)));
  }
  return db.InTransaction([&]() -> absl::Status {
    for (size_t i = 0; i < records.size(); ++i) {
      stmt.Reset();
      RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
      RETURN_IF_ERROR(Codec::Bind(stmt, records[i]));
      RETURN_IF_ERROR(WithContext(
          stmt.Run(), absl::StrCat("inserting ", table, " row ", i, " of ",
                                   records.size(), " for run ", run_id)));
    }
    stmt.Reset();
    return absl::OkStatus();
  });
}

}  // namespace

struct TraceStore::Statements {
  Statement run_state;
  Statement insert_chip;
  Statement insert_slice;
  Statement insert_power_interval;
  Statement insert_message;
  Statement insert_layer_execution;
  Statement insert_chip_wear;
  Statement insert_wear_event;
  Statement insert_endurer_state;
};

TraceStore::TraceStore(std::unique_ptr<SqliteDb> db,
                       std::unique_ptr<Statements> stmts)
    : db_(std::move(db)), stmts_(std::move(stmts)) {}

TraceStore::~TraceStore() = default;

absl::StatusOr<std::string> TraceStore::DefaultPath() {
  if (const char* db = std::getenv("ILLUSION_DB"); db != nullptr && *db) {
    return std::string(db);
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg) {
    return absl::StrCat(xdg, "/illusion/traces.db");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return absl::StrCat(home, "/.local/share/illusion/traces.db");
  }
  return absl::FailedPreconditionError(
      "no trace store path: none of ILLUSION_DB, XDG_DATA_HOME, HOME is set");
}

absl::StatusOr<std::unique_ptr<TraceStore>> TraceStore::Open(
    const std::string& path) {
  const std::string context = absl::StrCat("opening trace store '", path, "'");
  RETURN_IF_ERROR(CreateParentDirectories(path));
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path);
  RETURN_IF_ERROR(WithContext(db.status(), context));
  RETURN_IF_ERROR(Migrate(**db, TraceStoreMigrations()));
  SqliteDb& raw = **db;
  ASSIGN_OR_RETURN(
      Statement run_state,
      raw.Prepare("SELECT status, chip_count FROM runs WHERE id = ?1"));
  ASSIGN_OR_RETURN(Statement chip,
                   raw.Prepare(RecordCodec<ChipRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement slice,
                   raw.Prepare(RecordCodec<SliceRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement power,
                   raw.Prepare(RecordCodec<PowerIntervalRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement message,
                   raw.Prepare(RecordCodec<MessageRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement layer,
                   raw.Prepare(RecordCodec<LayerExecutionRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement chip_wear,
                   raw.Prepare(RecordCodec<ChipWearRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement wear_event,
                   raw.Prepare(RecordCodec<WearEventRecord>::kInsertSql));
  ASSIGN_OR_RETURN(Statement endurer_state,
                   raw.Prepare(RecordCodec<EndurerStateRecord>::kInsertSql));
  auto stmts = std::make_unique<Statements>(
      Statements{std::move(run_state), std::move(chip), std::move(slice),
                 std::move(power), std::move(message), std::move(layer),
                 std::move(chip_wear), std::move(wear_event),
                 std::move(endurer_state)});
  std::unique_ptr<TraceStore> store(
      new TraceStore(*std::move(db), std::move(stmts)));
  RETURN_IF_ERROR(WithContext(store->MarkInterruptedRuns().status(), context));
  RETURN_IF_ERROR(WithContext(store->MarkInterruptedStudies().status(), context));
  return store;
}

absl::Span<const absl::string_view> TraceStore::TableNames() {
  return kTableNames;
}

// ---- Writes ----

absl::StatusOr<int64_t> TraceStore::CreateExperiment(
    absl::string_view name, absl::string_view config_json) {
  RETURN_IF_ERROR(CheckJson(absl::StrCat("config of experiment '", name, "'"),
                            config_json));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO experiments (name, created_at, "
                                "config_json) VALUES (?1, ?2, ?3)"));
  RETURN_IF_ERROR(stmt.BindText(1, name));
  RETURN_IF_ERROR(stmt.BindText(2, NowUtc()));
  RETURN_IF_ERROR(stmt.BindText(3, config_json));
  RETURN_IF_ERROR(stmt.Run());
  return db_->LastInsertRowId();
}

absl::StatusOr<int64_t> TraceStore::StartRun(const RunSpec& spec) {
  if (spec.chip_count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "run of experiment ", spec.experiment_id, " has chip_count ",
        spec.chip_count, "; needs at least 1"));
  }
  if (spec.phase != "run" && spec.phase != "baseline") {
    return absl::InvalidArgumentError(absl::StrCat(
        "run of experiment ", spec.experiment_id, " has phase '", spec.phase,
        "'; must be 'run' or 'baseline'"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement exists,
                   db_->Prepare("SELECT 1 FROM experiments WHERE id = ?1"));
  RETURN_IF_ERROR(exists.BindInt64(1, spec.experiment_id));
  ASSIGN_OR_RETURN(const bool found, exists.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("experiment ", spec.experiment_id, " not found"));
  }
  ASSIGN_OR_RETURN(
      Statement stmt,
      db_->Prepare("INSERT INTO runs (experiment_id, strategy, backend, "
                   "schedule, chip_count, status, started_at, owner_pid, "
                   "owner_host, phase) VALUES (?1, ?2, ?3, ?4, ?5, 'running', "
                   "?6, ?7, ?8, ?9)"));
  RETURN_IF_ERROR(stmt.BindInt64(1, spec.experiment_id));
  RETURN_IF_ERROR(stmt.BindText(2, spec.strategy));
  RETURN_IF_ERROR(stmt.BindText(3, spec.backend));
  RETURN_IF_ERROR(stmt.BindText(4, spec.schedule));
  RETURN_IF_ERROR(stmt.BindInt64(5, spec.chip_count));
  RETURN_IF_ERROR(stmt.BindText(6, NowUtc()));
  RETURN_IF_ERROR(stmt.BindInt64(7, getpid()));
  RETURN_IF_ERROR(stmt.BindText(8, Hostname()));
  RETURN_IF_ERROR(stmt.BindText(9, spec.phase));
  RETURN_IF_ERROR(stmt.Run());
  return db_->LastInsertRowId();
}

absl::StatusOr<int> TraceStore::RunningChipCount(int64_t run_id) {
  Statement& stmt = stmts_->run_state;
  stmt.Reset();
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  if (!found) return NoRun(run_id);
  const std::string status = stmt.ColumnText(0);
  const int chip_count = static_cast<int>(stmt.ColumnInt64(1));
  stmt.Reset();  // Ends the read before the write transaction starts.
  if (status != RunStatusName(RunStatus::kRunning)) {
    return absl::FailedPreconditionError(
        absl::StrCat("run ", run_id, " is '", status,
                     "'; traces can only be added to a 'running' run"));
  }
  return chip_count;
}

absl::Status TraceStore::AddChips(int64_t run_id,
                                  absl::Span<const ChipRecord> chips) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_chip, run_id, chip_count, chips);
}

absl::Status TraceStore::AddSlices(int64_t run_id,
                                   absl::Span<const SliceRecord> slices) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_slice, run_id, chip_count, slices);
}

absl::Status TraceStore::AppendPowerIntervals(
    int64_t run_id, absl::Span<const PowerIntervalRecord> intervals) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_power_interval, run_id, chip_count,
                     intervals);
}

absl::Status TraceStore::AppendMessages(
    int64_t run_id, absl::Span<const MessageRecord> messages) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_message, run_id, chip_count,
                     messages);
}

absl::Status TraceStore::AppendLayerExecutions(
    int64_t run_id, absl::Span<const LayerExecutionRecord> executions) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_layer_execution, run_id, chip_count,
                     executions);
}

absl::Status TraceStore::AppendChipWear(int64_t run_id,
                                        absl::Span<const ChipWearRecord> rows) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_chip_wear, run_id, chip_count, rows);
}

absl::Status TraceStore::AppendWearEvents(int64_t run_id,
                                          absl::Span<const WearEventRecord> rows) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_wear_event, run_id, chip_count, rows);
}

absl::Status TraceStore::AppendEndurerStates(int64_t run_id,
                                             absl::Span<const EndurerStateRecord> rows) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chip_count, RunningChipCount(run_id));
  return InsertBatch(*db_, stmts_->insert_endurer_state, run_id, chip_count, rows);
}

absl::Status TraceStore::FinishRun(int64_t run_id, RunStatus status,
                                   absl::string_view error) {
  if (status == RunStatus::kRunning) {
    return absl::InvalidArgumentError(
        absl::StrCat("run ", run_id,
                     " cannot finish with status 'running'; use complete, "
                     "incomplete or failed"));
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RunningChipCount(run_id).status());
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("UPDATE runs SET status = ?2, "
                                "finished_at = ?3, error = ?4 WHERE id = ?1"));
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  RETURN_IF_ERROR(stmt.BindText(2, RunStatusName(status)));
  RETURN_IF_ERROR(stmt.BindText(3, NowUtc()));
  RETURN_IF_ERROR(error.empty() ? stmt.BindNull(4) : stmt.BindText(4, error));
  return stmt.Run();
}

absl::Status TraceStore::PutReport(int64_t run_id, absl::string_view json) {
  RETURN_IF_ERROR(CheckJson(absl::StrCat("report of run ", run_id), json));
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO reports (run_id, json) "
                                "VALUES (?1, ?2) ON CONFLICT (run_id) "
                                "DO UPDATE SET json = excluded.json"));
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  RETURN_IF_ERROR(stmt.BindText(2, json));
  return stmt.Run();
}

absl::StatusOr<int> TraceStore::MarkInterruptedRuns() {
  absl::MutexLock lock(&mu_);
  return internal::MarkDeadOwnersIncomplete(*db_, "runs", "run");
}

// ---- Queries ----

absl::Status TraceStore::CheckRunExists(int64_t run_id) {
  Statement& stmt = stmts_->run_state;
  stmt.Reset();
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  stmt.Reset();
  return found ? absl::OkStatus() : NoRun(run_id);
}

absl::StatusOr<std::vector<ExperimentRecord>> TraceStore::ListExperiments() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT id, name, created_at, config_json "
                                "FROM experiments ORDER BY id"));
  std::vector<ExperimentRecord> experiments;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return experiments;
    experiments.push_back({stmt.ColumnInt64(0), stmt.ColumnText(1),
                           stmt.ColumnText(2), stmt.ColumnText(3)});
  }
}

namespace {

absl::StatusOr<RunRecord> ReadRun(const Statement& stmt) {
  RunRecord run;
  run.id = stmt.ColumnInt64(0);
  run.spec.experiment_id = stmt.ColumnInt64(1);
  run.spec.strategy = stmt.ColumnText(2);
  run.spec.backend = stmt.ColumnText(3);
  run.spec.schedule = stmt.ColumnText(4);
  run.spec.chip_count = static_cast<int>(stmt.ColumnInt64(5));
  ASSIGN_OR_RETURN(run.status, ParseRunStatus(stmt.ColumnText(6)));
  run.started_at = stmt.ColumnText(7);
  run.finished_at = stmt.ColumnText(8);
  run.error = stmt.ColumnText(9);
  run.owner_pid = stmt.ColumnInt64(10);
  run.owner_host = stmt.ColumnText(11);
  run.spec.phase = stmt.ColumnText(12);
  return run;
}

}  // namespace

absl::StatusOr<RunRecord> TraceStore::GetRunLocked(int64_t run_id) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kRunColumns,
                                             " FROM runs WHERE id = ?1")));
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  if (!found) return NoRun(run_id);
  return ReadRun(stmt);
}

absl::StatusOr<RunRecord> TraceStore::GetRun(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  return GetRunLocked(run_id);
}

absl::StatusOr<std::vector<RunRecord>> TraceStore::ListRuns(int limit) {
  if (limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("run list limit ", limit, " must be at least 1"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kRunColumns,
                                             " FROM runs ORDER BY id DESC "
                                             "LIMIT ?1")));
  RETURN_IF_ERROR(stmt.BindInt64(1, limit));
  std::vector<RunRecord> runs;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return runs;
    ASSIGN_OR_RETURN(runs.emplace_back(), ReadRun(stmt));
  }
}

absl::StatusOr<std::vector<ChipRecord>> TraceStore::GetChips(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<ChipRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<SliceRecord>> TraceStore::GetSlices(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<SliceRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<PowerIntervalRecord>> TraceStore::GetPowerIntervals(
    int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<PowerIntervalRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<MessageRecord>> TraceStore::GetMessages(
    int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<MessageRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<LayerExecutionRecord>>
TraceStore::GetLayerExecutions(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<LayerExecutionRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<ChipWearRecord>> TraceStore::GetChipWear(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<ChipWearRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<WearEventRecord>> TraceStore::GetWearEvents(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<WearEventRecord>(*db_, run_id);
}

absl::StatusOr<std::vector<EndurerStateRecord>> TraceStore::GetEndurerStates(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  return QueryByRun<EndurerStateRecord>(*db_, run_id);
}

absl::StatusOr<std::string> TraceStore::GetReport(int64_t run_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckRunExists(run_id));
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT json FROM reports WHERE run_id = ?1"));
  RETURN_IF_ERROR(stmt.BindInt64(1, run_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("run ", run_id, " has no report yet"));
  }
  return stmt.ColumnText(0);
}

namespace {

// The WHERE clause selecting one run's rows of `table` (?1 is the run id).
absl::string_view RunFilter(absl::string_view table) {
  if (table == "experiments") {
    return "id = (SELECT experiment_id FROM runs WHERE id = ?1)";
  }
  if (table == "runs") return "id = ?1";
  return "run_id = ?1";
}

Cell ReadCell(const Statement& stmt, int column) {
  switch (stmt.ColumnTypeAt(column)) {
    case ColumnType::kInteger:
      return stmt.ColumnInt64(column);
    case ColumnType::kFloat:
      return stmt.ColumnDouble(column);
    case ColumnType::kText:
      return stmt.ColumnText(column);
    case ColumnType::kBlob:
      return stmt.ColumnBlob(column);
    case ColumnType::kNull:
      break;
  }
  return std::monostate();
}

}  // namespace

absl::Status TraceStore::ScanTable(
    absl::string_view table, std::optional<int64_t> run_id,
    absl::FunctionRef<absl::Status(absl::Span<const std::string>)> on_columns,
    absl::FunctionRef<absl::Status(absl::Span<const Cell>)> on_row) {
  bool known = false;
  for (absl::string_view name : kTableNames) known = known || name == table;
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown table '", table,
                     "'; valid: ", absl::StrJoin(kTableNames, ", ")));
  }
  if (run_id.has_value() && absl::StartsWith(table, "endurance_")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "table '", table, "' holds endurance studies, not the traces of a run: "
        "scan it without a run (illusionctl endurance show --study=ID)"));
  }
  absl::MutexLock lock(&mu_);
  if (run_id.has_value()) RETURN_IF_ERROR(CheckRunExists(*run_id));
  std::string sql = absl::StrCat("SELECT * FROM ", table);
  if (run_id.has_value()) absl::StrAppend(&sql, " WHERE ", RunFilter(table));
  absl::StrAppend(&sql, " ORDER BY rowid");
  ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(sql));
  if (run_id.has_value()) RETURN_IF_ERROR(stmt.BindInt64(1, *run_id));

  std::vector<std::string> columns(stmt.ColumnCount());
  for (int i = 0; i < stmt.ColumnCount(); ++i) {
    columns[i] = std::string(stmt.ColumnName(i));
  }
  RETURN_IF_ERROR(on_columns(columns));
  std::vector<Cell> row(columns.size());
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return absl::OkStatus();
    for (int i = 0; i < static_cast<int>(row.size()); ++i) {
      row[i] = ReadCell(stmt, i);
    }
    RETURN_IF_ERROR(on_row(row));
  }
}

}  // namespace illusion::store
