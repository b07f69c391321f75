// A thin RAII wrapper over the SQLite C API: one connection (SqliteDb), its
// prepared statements (Statement) and transactions (InTransaction). Every
// SQLite result code becomes an absl::Status naming the SQL and carrying
// sqlite3_errmsg(). Modeled on leveldb's db_bench_sqlite3.cc, minus exit().

#ifndef ILLUSION_STORE_SQLITE_DB_H_
#define ILLUSION_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct sqlite3;
struct sqlite3_stmt;

namespace illusion::store {

// The storage class of one result column (sqlite3_column_type).
enum class ColumnType { kInteger, kFloat, kText, kBlob, kNull };

// One prepared statement: bind (1-based parameter indexes), Step, read the
// columns (0-based), Reset, repeat. Owns the sqlite3_stmt and finalizes it on
// destruction; must not outlive the SqliteDb that prepared it. Movable, not
// copyable. Not thread-safe (see SqliteDb).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind a value to parameter `index` (1-based). Text and blobs are copied.
  // An index outside [1, parameter count] is INVALID_ARGUMENT.
  absl::Status BindInt64(int index, int64_t value);
  absl::Status BindDouble(int index, double value);
  absl::Status BindText(int index, absl::string_view value);
  absl::Status BindBlob(int index, absl::string_view bytes);
  absl::Status BindNull(int index);

  // Advances the statement: true when a result row is ready, false when the
  // statement has finished. Errors (constraint violations, SQLITE_BUSY after
  // the busy timeout, ...) name the SQL; see SqliteDb for the code mapping.
  absl::StatusOr<bool> Step();
  // Steps a statement that returns no rows (INSERT/UPDATE/DDL) to the end.
  absl::Status Run();
  // Rewinds the statement so it can be stepped again; keeps the bindings.
  void Reset();
  void ClearBindings();

  // Result columns of the current row; `index` must be < ColumnCount().
  // ColumnName's view lives as long as the statement.
  int ColumnCount() const;
  absl::string_view ColumnName(int index) const;
  ColumnType ColumnTypeAt(int index) const;
  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  double ColumnDouble(int index) const;
  // Text (or blob bytes) of the column; "" for NULL.
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;

  // The SQL text the statement was prepared from.
  absl::string_view sql() const;

 private:
  friend class SqliteDb;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  absl::Status CheckBind(int rc, int index, absl::string_view kind);

  sqlite3_stmt* stmt_;  // Owned; nullptr after a move.
};

// One SQLite connection opened with the trace store's settings: WAL journal
// (for files), synchronous=NORMAL (a committed transaction survives a process
// crash; an OS crash may lose the last ones, never corrupt the file),
// foreign_keys=ON, extended result codes and a busy timeout so concurrent
// readers and writers in other processes wait instead of failing.
//
// Owns the connection; closes it on destruction (after every Statement it
// prepared is gone). Not thread-safe: the connection is opened with
// SQLITE_OPEN_NOMUTEX, so callers use it from one thread at a time.
//
// Result codes map to absl codes: SQLITE_BUSY/LOCKED -> UNAVAILABLE (retry),
// PRIMARY KEY/UNIQUE constraint -> ALREADY_EXISTS, other constraints,
// MISMATCH, RANGE, TOOBIG -> INVALID_ARGUMENT, CORRUPT/NOTADB -> DATA_LOSS,
// FULL/NOMEM -> RESOURCE_EXHAUSTED, PERM/READONLY/AUTH -> PERMISSION_DENIED,
// CANTOPEN -> UNAVAILABLE, anything else -> INTERNAL.
class SqliteDb {
 public:
  static constexpr int kDefaultBusyTimeoutMs = 5000;

  // Opens (creating if needed) the database at `path`; ":memory:" gives a
  // private in-memory database (its journal mode stays "memory").
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(
      const std::string& path, int busy_timeout_ms = kDefaultBusyTimeoutMs);

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more SQL statements that return no rows of interest.
  absl::Status Exec(absl::string_view sql);
  // Prepares one statement (for repeated use: bind, step, reset).
  absl::StatusOr<Statement> Prepare(absl::string_view sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. If `body` fails, or COMMIT
  // fails, the transaction is rolled back and nothing it wrote is visible;
  // the first error is returned. Not reentrant (SQLite has no nested BEGIN).
  absl::Status InTransaction(absl::FunctionRef<absl::Status()> body);

  // The journal mode in effect ("wal", "memory", "delete", ...).
  absl::StatusOr<std::string> JournalMode();

  // Row id of the last successful INSERT on this connection.
  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;  // Owned.
  std::string path_;
};

}  // namespace illusion::store

#endif  // ILLUSION_STORE_SQLITE_DB_H_
