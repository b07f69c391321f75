// TraceStore: the coordinator's record of experiments and runs and their
// per-chip traces (power intervals, messages, layer executions), in one
// SQLite file. Tables and units are described in store/schema.cc and
// store/records.h.
//
// Durability: every Add*/Append* call is one transaction with prepared
// statements, however many rows it carries; it is either entirely visible or
// not at all. A run stays 'running' until FinishRun(). When a process dies
// mid-run, every batch it committed stays readable, and the next Open() of
// the file (by any process on the same host) marks the run 'incomplete'.
//
// Crash detection: each run records its owner's pid and host name. Open()
// calls MarkInterruptedRuns(), which marks a 'running' run 'incomplete' only
// if its owner is on this host and that pid no longer exists. Runs owned by
// other hosts are left alone (we cannot tell whether they are alive); use
// FinishRun(id, kIncomplete, ...) for them. If the pid has been reused by an
// unrelated process the run stays 'running' until that process exits.
//
// Several processes may open the same file: WAL lets readers (illusionctl)
// run beside one writer, and writers wait up to the busy timeout.
//
// Thread-safe: every method holds an internal mutex. Owns its connection.
//
//   ASSIGN_OR_RETURN(std::string path, TraceStore::DefaultPath());
//   ASSIGN_OR_RETURN(std::unique_ptr<TraceStore> store,
//                    TraceStore::Open(path));
//   ASSIGN_OR_RETURN(int64_t experiment,
//                    store->CreateExperiment("lenet", "{}"));
//   ASSIGN_OR_RETURN(int64_t run, store->StartRun(spec));
//   RETURN_IF_ERROR(store->AppendMessages(run, messages));
//   RETURN_IF_ERROR(store->FinishRun(run, RunStatus::kComplete, ""));

#ifndef ILLUSION_STORE_TRACE_STORE_H_
#define ILLUSION_STORE_TRACE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "store/records.h"
#include "store/sqlite_db.h"

namespace illusion::store {

// One exported cell: NULL, integer, real or text.
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

class TraceStore {
 public:
  // $ILLUSION_DB if set, else $XDG_DATA_HOME/illusion/traces.db, else
  // $HOME/.local/share/illusion/traces.db. FAILED_PRECONDITION if none of
  // the variables is set.
  static absl::StatusOr<std::string> DefaultPath();

  // Opens or creates the store at `path` (creating parent directories;
  // ":memory:" for a private in-memory store), migrates the schema to
  // kSchemaVersion and marks interrupted runs 'incomplete'. A file with a
  // newer schema is refused with FAILED_PRECONDITION.
  static absl::StatusOr<std::unique_ptr<TraceStore>> Open(
      const std::string& path);

  TraceStore(const TraceStore&) = delete;
  TraceStore& operator=(const TraceStore&) = delete;
  ~TraceStore();

  // The tables ScanTable() and export accept, in schema order.
  static absl::Span<const absl::string_view> TableNames();

  // ---- Writes ----

  // Returns the new experiment's id.
  absl::StatusOr<int64_t> CreateExperiment(absl::string_view name,
                                           absl::string_view config_json);
  // Starts a 'running' run owned by this process; returns its id.
  // NOT_FOUND for an unknown experiment, INVALID_ARGUMENT for chip_count < 1.
  absl::StatusOr<int64_t> StartRun(const RunSpec& spec);

  // Each call is one transaction. All need a 'running' run (else
  // FAILED_PRECONDITION; NOT_FOUND for an unknown run id) and chip ids in
  // [0, chip_count) (messages: also -1, the coordinator), end_s >= start_s,
  // else INVALID_ARGUMENT naming the row. A duplicate chip, or message
  // (inference, seq), is ALREADY_EXISTS. On any error nothing is written.
  absl::Status AddChips(int64_t run_id, absl::Span<const ChipRecord> chips);
  absl::Status AddSlices(int64_t run_id, absl::Span<const SliceRecord> slices);
  absl::Status AppendPowerIntervals(
      int64_t run_id, absl::Span<const PowerIntervalRecord> intervals);
  absl::Status AppendMessages(int64_t run_id,
                              absl::Span<const MessageRecord> messages);
  absl::Status AppendLayerExecutions(
      int64_t run_id, absl::Span<const LayerExecutionRecord> executions);
  // Wear levelling rows (schema v3); same rules as the appends above.
  absl::Status AppendChipWear(int64_t run_id, absl::Span<const ChipWearRecord> rows);
  absl::Status AppendWearEvents(int64_t run_id, absl::Span<const WearEventRecord> rows);
  absl::Status AppendEndurerStates(int64_t run_id,
                                   absl::Span<const EndurerStateRecord> rows);

  // Ends a 'running' run with `status` (not kRunning: INVALID_ARGUMENT) and
  // an error text ("" for none). FAILED_PRECONDITION if the run has already
  // ended, NOT_FOUND for an unknown id.
  absl::Status FinishRun(int64_t run_id, RunStatus status,
                         absl::string_view error);
  // Stores (or replaces) the run's report, a JSON document. Any status.
  absl::Status PutReport(int64_t run_id, absl::string_view json);

  // Marks 'incomplete' every 'running' run whose owner process on this host
  // is gone (see the class comment); returns how many. Called by Open().
  absl::StatusOr<int> MarkInterruptedRuns();

  // ---- Queries (NOT_FOUND naming the id for unknown runs) ----

  absl::StatusOr<std::vector<ExperimentRecord>> ListExperiments();
  absl::StatusOr<RunRecord> GetRun(int64_t run_id);
  // The newest `limit` (> 0) runs, newest first.
  absl::StatusOr<std::vector<RunRecord>> ListRuns(int limit);
  absl::StatusOr<std::vector<ChipRecord>> GetChips(int64_t run_id);
  absl::StatusOr<std::vector<SliceRecord>> GetSlices(int64_t run_id);
  // Trace rows in insertion order.
  absl::StatusOr<std::vector<PowerIntervalRecord>> GetPowerIntervals(
      int64_t run_id);
  absl::StatusOr<std::vector<MessageRecord>> GetMessages(int64_t run_id);
  absl::StatusOr<std::vector<LayerExecutionRecord>> GetLayerExecutions(
      int64_t run_id);
  absl::StatusOr<std::vector<ChipWearRecord>> GetChipWear(int64_t run_id);
  absl::StatusOr<std::vector<WearEventRecord>> GetWearEvents(int64_t run_id);
  absl::StatusOr<std::vector<EndurerStateRecord>> GetEndurerStates(int64_t run_id);
  // NOT_FOUND if the run has no report.
  absl::StatusOr<std::string> GetReport(int64_t run_id);

  // ---- Endurance studies (schema v4; store/trace_store_studies.cc) ----
  //
  // A study is not a run: it has its own life cycle (running until
  // FinishEnduranceStudy; a dead owner's study is marked 'incomplete' by
  // Open()) and its points are appended as they are computed, each call one
  // transaction, so an interrupted study keeps every point it finished.

  // Starts a 'running' study owned by this process; returns its id.
  // INVALID_ARGUMENT for chips < 1, an empty workload/source or config_json
  // that is not a JSON object.
  absl::StatusOr<int64_t> StartEnduranceStudy(const EnduranceStudySpec& spec);
  // Needs a 'running' study (FAILED_PRECONDITION; NOT_FOUND for an unknown
  // id). INVALID_ARGUMENT naming the point for a scheme other than NR/DE, a
  // negative timepoint, days or count, correct > total, a mask chip outside
  // [0, chips) or a stuck_bits_per_chip of the wrong length;
  // ALREADY_EXISTS for a (scheme, timepoint) stored before. On any error
  // nothing is written.
  absl::Status AppendEndurancePoints(int64_t study_id,
                                     absl::Span<const EndurancePointRecord> points);
  // Ends a 'running' study with `status` (not kRunning) and an error text
  // ("" for none); `summary` (may be null) fills the summary columns.
  absl::Status FinishEnduranceStudy(int64_t study_id, RunStatus status,
                                    absl::string_view error,
                                    const EnduranceSummary* summary);
  // As MarkInterruptedRuns, for studies. Called by Open().
  absl::StatusOr<int> MarkInterruptedStudies();
  // The newest `limit` (> 0) studies, newest first.
  absl::StatusOr<std::vector<EnduranceStudyRecord>> ListEnduranceStudies(int limit);
  absl::StatusOr<EnduranceStudyRecord> GetEnduranceStudy(int64_t study_id);
  // Points in insertion order.
  absl::StatusOr<std::vector<EndurancePointRecord>> GetEndurancePoints(int64_t study_id);

  // Streams every row of `table` (one of TableNames(), else INVALID_ARGUMENT
  // listing them) in insertion order, optionally only those of one run
  // (experiments: the run's experiment; the endurance tables are not per
  // run: INVALID_ARGUMENT with a run). Calls `on_columns` once with the
  // column names, then `on_row` per row; a callback error stops the scan and
  // is returned. The store's mutex is held throughout: the callbacks must
  // not call back into this store.
  absl::Status ScanTable(
      absl::string_view table, std::optional<int64_t> run_id,
      absl::FunctionRef<absl::Status(absl::Span<const std::string>)> on_columns,
      absl::FunctionRef<absl::Status(absl::Span<const Cell>)> on_row);

 private:
  struct Statements;  // The prepared insert statements.

  TraceStore(std::unique_ptr<SqliteDb> db, std::unique_ptr<Statements> stmts);

  // OK if `run_id` exists and is 'running'; returns its chip count.
  absl::StatusOr<int> RunningChipCount(int64_t run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RunRecord> GetRunLocked(int64_t run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckRunExists(int64_t run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // OK if `study_id` exists and is 'running'; returns its chip count.
  absl::StatusOr<int> RunningStudyChips(int64_t study_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  // Statements are declared after the connection they belong to, so they
  // are finalized first.
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Statements> stmts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace illusion::store

#endif  // ILLUSION_STORE_TRACE_STORE_H_
