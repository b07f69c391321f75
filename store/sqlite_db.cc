#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace illusion::store {
namespace {

// Long SQL (the schema) is cut in error messages so they stay one line.
constexpr size_t kMaxSqlInMessage = 160;

std::string QuoteSql(absl::string_view sql) {
  if (sql.size() <= kMaxSqlInMessage) return absl::StrCat("'", sql, "'");
  return absl::StrCat("'", sql.substr(0, kMaxSqlInMessage), "...'");
}

absl::StatusCode CodeFor(int extended_rc) {
  switch (extended_rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return absl::StatusCode::kAlreadyExists;
    default:
      break;
  }
  switch (extended_rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

// `what` says what was being done; the message adds SQLite's own text.
absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return absl::Status(CodeFor(rc), absl::StrCat("sqlite: ", what, ": ", detail,
                                                " (code ", rc, ")"));
}

}  // namespace

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

absl::Status Statement::CheckBind(int rc, int index, absl::string_view kind) {
  if (rc == SQLITE_OK) return absl::OkStatus();
  return SqliteError(sqlite3_db_handle(stmt_), rc,
                     absl::StrCat("binding ", kind, " to parameter ", index,
                                  " of ", sqlite3_bind_parameter_count(stmt_),
                                  " in ", QuoteSql(sql())));
}

absl::Status Statement::BindInt64(int index, int64_t value) {
  return CheckBind(sqlite3_bind_int64(stmt_, index, value), index, "int64");
}

absl::Status Statement::BindDouble(int index, double value) {
  return CheckBind(sqlite3_bind_double(stmt_, index, value), index, "double");
}

absl::Status Statement::BindText(int index, absl::string_view value) {
  return CheckBind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                                       SQLITE_TRANSIENT, SQLITE_UTF8),
                   index, "text");
}

absl::Status Statement::BindBlob(int index, absl::string_view bytes) {
  return CheckBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                       SQLITE_TRANSIENT),
                   index, "blob");
}

absl::Status Statement::BindNull(int index) {
  return CheckBind(sqlite3_bind_null(stmt_, index), index, "null");
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), rc,
                     absl::StrCat("executing ", QuoteSql(sql())));
}

absl::Status Statement::Run() {
  ASSIGN_OR_RETURN(const bool has_row, Step());
  if (has_row) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sqlite: ", QuoteSql(sql()), " returned rows; Run() expects none"));
  }
  return absl::OkStatus();
}

// sqlite3_reset repeats the last Step error, which the caller already got.
void Statement::Reset() { sqlite3_reset(stmt_); }

void Statement::ClearBindings() { sqlite3_clear_bindings(stmt_); }

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

absl::string_view Statement::ColumnName(int index) const {
  const char* name = sqlite3_column_name(stmt_, index);
  return name != nullptr ? absl::string_view(name) : absl::string_view();
}

ColumnType Statement::ColumnTypeAt(int index) const {
  switch (sqlite3_column_type(stmt_, index)) {
    case SQLITE_INTEGER:
      return ColumnType::kInteger;
    case SQLITE_FLOAT:
      return ColumnType::kFloat;
    case SQLITE_TEXT:
      return ColumnType::kText;
    case SQLITE_BLOB:
      return ColumnType::kBlob;
    default:
      return ColumnType::kNull;
  }
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Statement::ColumnDouble(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Statement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(stmt_, index));
}

std::string Statement::ColumnBlob(int index) const {
  const void* blob = sqlite3_column_blob(stmt_, index);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob),
                     sqlite3_column_bytes(stmt_, index));
}

absl::string_view Statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? absl::string_view(text) : absl::string_view();
}

// ---- SqliteDb ----

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(
    const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status =
        SqliteError(raw, rc, absl::StrCat("opening '", path, "'"));
    sqlite3_close(raw);  // A handle is returned even on failure.
    return status;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // journal_mode=WAL is persistent in the file and returns a row, so it goes
  // through Prepare; the other pragmas are per connection.
  ASSIGN_OR_RETURN(Statement wal, db->Prepare("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(wal.Step().status());
  RETURN_IF_ERROR(
      db->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

absl::Status SqliteDb::Exec(absl::string_view sql) {
  const std::string text(sql);  // sqlite3_exec needs a terminated string.
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return absl::OkStatus();
  return SqliteError(db_, rc, absl::StrCat("executing ", QuoteSql(sql)));
}

absl::StatusOr<Statement> SqliteDb::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), sql.size(),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db_, rc, absl::StrCat("preparing ", QuoteSql(sql)));
  }
  if (stmt == nullptr) {  // Only whitespace or comments.
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite: ", QuoteSql(sql), " holds no statement"));
  }
  return Statement(stmt);
}

absl::Status SqliteDb::InTransaction(absl::FunctionRef<absl::Status()> body) {
  // IMMEDIATE takes the write lock up front, so a concurrent writer waits in
  // the busy handler here rather than failing on a later lock upgrade.
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = Exec("COMMIT");
  if (!status.ok() && !sqlite3_get_autocommit(db_)) {
    // ROLLBACK only fails if no transaction is open; keep the first error.
    Exec("ROLLBACK").IgnoreError();
  }
  return status;
}

absl::StatusOr<std::string> SqliteDb::JournalMode() {
  ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA journal_mode"));
  ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
  if (!has_row) {
    return absl::InternalError("sqlite: 'PRAGMA journal_mode' returned no row");
  }
  return stmt.ColumnText(0);
}

int64_t SqliteDb::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

}  // namespace illusion::store
