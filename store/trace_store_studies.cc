// TraceStore's endurance-study tables (schema v4): endurance_studies and
// endurance_points. See trace_store.h for the contract.

#include <unistd.h>

#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/store_internal.h"
#include "store/trace_store.h"

namespace illusion::store {
namespace {

using internal::Hostname;
using internal::NowUtc;
using internal::WithContext;

constexpr absl::string_view kStudyColumns =
    "id, workload, source, chips, config_json, status, started_at, finished_at, error, "
    "owner_pid, owner_host, clean_accuracy_pct, clean_correct, clean_total, nr_lifetime_days, "
    "de_lifetime_days, lifetime_gain, summary_json";

constexpr absl::string_view kPointColumns =
    "scheme, timepoint, label, cum_days, accuracy_pct, correct, total, high_path, mask_chip, "
    "mask_stuck_bits, stuck_bits_total, stuck_bits_per_chip";

absl::Status NoStudy(int64_t study_id) {
  return absl::NotFoundError(absl::StrCat("endurance study ", study_id, " not found"));
}

bool IsJsonObject(absl::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  return j.is_object();
}

std::optional<double> OptionalDouble(const Statement& stmt, int column) {
  if (stmt.ColumnIsNull(column)) return std::nullopt;
  return stmt.ColumnDouble(column);
}

absl::Status BindOptional(Statement& stmt, int index, std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return stmt.BindNull(index);
  return stmt.BindDouble(index, *value);
}

EnduranceStudyRecord ReadStudy(const Statement& stmt) {
  EnduranceStudyRecord r;
  r.id = stmt.ColumnInt64(0);
  r.spec.workload = stmt.ColumnText(1);
  r.spec.source = stmt.ColumnText(2);
  r.spec.chips = static_cast<int>(stmt.ColumnInt64(3));
  r.spec.config_json = stmt.ColumnText(4);
  r.status = ParseRunStatus(stmt.ColumnText(5)).value_or(RunStatus::kFailed);
  r.started_at = stmt.ColumnText(6);
  if (!stmt.ColumnIsNull(7)) r.finished_at = stmt.ColumnText(7);
  if (!stmt.ColumnIsNull(8)) r.error = stmt.ColumnText(8);
  r.owner_pid = stmt.ColumnInt64(9);
  r.owner_host = stmt.ColumnText(10);
  r.clean_accuracy_pct = OptionalDouble(stmt, 11);
  if (!stmt.ColumnIsNull(12)) r.clean_correct = stmt.ColumnInt64(12);
  if (!stmt.ColumnIsNull(13)) r.clean_total = stmt.ColumnInt64(13);
  r.nr_lifetime_days = OptionalDouble(stmt, 14);
  r.de_lifetime_days = OptionalDouble(stmt, 15);
  r.lifetime_gain = OptionalDouble(stmt, 16);
  if (!stmt.ColumnIsNull(17)) r.summary_json = stmt.ColumnText(17);
  return r;
}

absl::Status ValidatePoint(const EndurancePointRecord& p, int chips) {
  auto bad = [](absl::string_view field, auto value, absl::string_view want) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " = ", value, " is invalid: must be ", want));
  };
  if (p.scheme != "NR" && p.scheme != "DE") {
    return bad("scheme", absl::StrCat("'", p.scheme, "'"), "'NR' or 'DE'");
  }
  if (p.timepoint < 0) return bad("timepoint", p.timepoint, ">= 0");
  if (p.label.empty()) return bad("label", "''", "non-empty");
  if (!std::isfinite(p.cum_days) || p.cum_days < 0) {
    return bad("cum_days", p.cum_days, "a finite number >= 0");
  }
  if (p.total < 0) return bad("total", p.total, ">= 0");
  if (p.correct < 0 || p.correct > p.total) {
    return bad("correct", p.correct, absl::StrCat("in [0, total = ", p.total, "]"));
  }
  if (p.high_path < 0 || p.high_path > p.total) {
    return bad("high_path", p.high_path, absl::StrCat("in [0, total = ", p.total, "]"));
  }
  if (p.mask_chip < 0 || p.mask_chip >= chips) {
    return bad("mask_chip", p.mask_chip, absl::StrCat("in [0, ", chips, ")"));
  }
  if (p.mask_stuck_bits < 0) return bad("mask_stuck_bits", p.mask_stuck_bits, ">= 0");
  if (static_cast<int>(p.stuck_bits_per_chip.size()) != chips) {
    return bad("stuck_bits_per_chip length", p.stuck_bits_per_chip.size(),
               absl::StrCat("the study's chip count ", chips));
  }
  for (size_t c = 0; c < p.stuck_bits_per_chip.size(); ++c) {
    if (p.stuck_bits_per_chip[c] < 0) {
      return bad(absl::StrCat("stuck_bits_per_chip[", c, "]"), p.stuck_bits_per_chip[c], ">= 0");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> TraceStore::StartEnduranceStudy(const EnduranceStudySpec& spec) {
  if (spec.workload.empty() || spec.source.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance study needs a workload and a source; got workload '",
                     spec.workload, "', source '", spec.source, "'"));
  }
  if (spec.chips < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance study chips = ", spec.chips, " is invalid: must be >= 1"));
  }
  if (!IsJsonObject(spec.config_json)) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance study config is not a JSON object: '",
                     absl::string_view(spec.config_json).substr(0, 80), "'"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("INSERT INTO endurance_studies (workload, source, chips, "
                                "config_json, status, started_at, owner_pid, owner_host) "
                                "VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7)"));
  RETURN_IF_ERROR(stmt.BindText(1, spec.workload));
  RETURN_IF_ERROR(stmt.BindText(2, spec.source));
  RETURN_IF_ERROR(stmt.BindInt64(3, spec.chips));
  RETURN_IF_ERROR(stmt.BindText(4, spec.config_json));
  RETURN_IF_ERROR(stmt.BindText(5, NowUtc()));
  RETURN_IF_ERROR(stmt.BindInt64(6, getpid()));
  RETURN_IF_ERROR(stmt.BindText(7, Hostname()));
  RETURN_IF_ERROR(stmt.Run());
  return db_->LastInsertRowId();
}

absl::StatusOr<int> TraceStore::RunningStudyChips(int64_t study_id) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("SELECT status, chips FROM endurance_studies WHERE id = ?1"));
  RETURN_IF_ERROR(stmt.BindInt64(1, study_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  if (!found) return NoStudy(study_id);
  const std::string status = stmt.ColumnText(0);
  const int chips = static_cast<int>(stmt.ColumnInt64(1));
  if (status != RunStatusName(RunStatus::kRunning)) {
    return absl::FailedPreconditionError(
        absl::StrCat("endurance study ", study_id, " is '", status,
                     "'; points can only be added to a 'running' study"));
  }
  return chips;
}

absl::Status TraceStore::AppendEndurancePoints(int64_t study_id,
                                               absl::Span<const EndurancePointRecord> points) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const int chips, RunningStudyChips(study_id));
  std::set<std::pair<std::string, int>> keys;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string context = absl::StrCat("endurance point ", i, " of ", points.size(),
                                             " for study ", study_id);
    RETURN_IF_ERROR(WithContext(ValidatePoint(points[i], chips), context));
    if (!keys.emplace(points[i].scheme, points[i].timepoint).second) {
      return absl::AlreadyExistsError(absl::StrCat(context, ": (", points[i].scheme, ", ",
                                                   points[i].timepoint, ") repeated"));
    }
  }
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare(absl::StrCat("INSERT INTO endurance_points (study_id, ",
                                             kPointColumns,
                                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                             "?10, ?11, ?12, ?13)")));
  return db_->InTransaction([&]() -> absl::Status {
    for (size_t i = 0; i < points.size(); ++i) {
      const EndurancePointRecord& p = points[i];
      int64_t total_stuck = 0;
      for (int64_t s : p.stuck_bits_per_chip) total_stuck += s;
      insert.Reset();
      RETURN_IF_ERROR(insert.BindInt64(1, study_id));
      RETURN_IF_ERROR(insert.BindText(2, p.scheme));
      RETURN_IF_ERROR(insert.BindInt64(3, p.timepoint));
      RETURN_IF_ERROR(insert.BindText(4, p.label));
      RETURN_IF_ERROR(insert.BindDouble(5, p.cum_days));
      RETURN_IF_ERROR(insert.BindDouble(6, p.accuracy_pct()));
      RETURN_IF_ERROR(insert.BindInt64(7, p.correct));
      RETURN_IF_ERROR(insert.BindInt64(8, p.total));
      RETURN_IF_ERROR(insert.BindInt64(9, p.high_path));
      RETURN_IF_ERROR(insert.BindInt64(10, p.mask_chip));
      RETURN_IF_ERROR(insert.BindInt64(11, p.mask_stuck_bits));
      RETURN_IF_ERROR(insert.BindInt64(12, total_stuck));
      RETURN_IF_ERROR(insert.BindText(13, absl::StrJoin(p.stuck_bits_per_chip, ",")));
      RETURN_IF_ERROR(WithContext(insert.Run(), absl::StrCat("inserting endurance point (",
                                                             p.scheme, ", ", p.timepoint,
                                                             ") of study ", study_id)));
    }
    insert.Reset();
    return absl::OkStatus();
  });
}

absl::Status TraceStore::FinishEnduranceStudy(int64_t study_id, RunStatus status,
                                              absl::string_view error,
                                              const EnduranceSummary* summary) {
  if (status == RunStatus::kRunning) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance study ", study_id,
                     " cannot finish with status 'running'; use complete, incomplete or failed"));
  }
  if (summary != nullptr && !summary->summary_json.empty() &&
      !IsJsonObject(summary->summary_json)) {
    return absl::InvalidArgumentError(
        absl::StrCat("summary of endurance study ", study_id, " is not a JSON object"));
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RunningStudyChips(study_id).status());
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare("UPDATE endurance_studies SET status = ?2, finished_at = ?3, "
                                "error = ?4, clean_accuracy_pct = ?5, clean_correct = ?6, "
                                "clean_total = ?7, nr_lifetime_days = ?8, de_lifetime_days = ?9, "
                                "lifetime_gain = ?10, summary_json = ?11 WHERE id = ?1"));
  RETURN_IF_ERROR(stmt.BindInt64(1, study_id));
  RETURN_IF_ERROR(stmt.BindText(2, RunStatusName(status)));
  RETURN_IF_ERROR(stmt.BindText(3, NowUtc()));
  RETURN_IF_ERROR(error.empty() ? stmt.BindNull(4) : stmt.BindText(4, error));
  if (summary == nullptr) {
    for (int i = 5; i <= 11; ++i) RETURN_IF_ERROR(stmt.BindNull(i));
  } else {
    RETURN_IF_ERROR(stmt.BindDouble(5, summary->clean_accuracy_pct));
    RETURN_IF_ERROR(stmt.BindInt64(6, summary->clean_correct));
    RETURN_IF_ERROR(stmt.BindInt64(7, summary->clean_total));
    RETURN_IF_ERROR(stmt.BindDouble(8, summary->nr_lifetime_days));
    RETURN_IF_ERROR(stmt.BindDouble(9, summary->de_lifetime_days));
    RETURN_IF_ERROR(BindOptional(stmt, 10, summary->lifetime_gain));
    RETURN_IF_ERROR(summary->summary_json.empty() ? stmt.BindNull(11)
                                                  : stmt.BindText(11, summary->summary_json));
  }
  return stmt.Run();
}

absl::StatusOr<int> TraceStore::MarkInterruptedStudies() {
  absl::MutexLock lock(&mu_);
  return internal::MarkDeadOwnersIncomplete(*db_, "endurance_studies", "study");
}

absl::StatusOr<std::vector<EnduranceStudyRecord>> TraceStore::ListEnduranceStudies(int limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("endurance study list limit = ", limit, " is invalid: must be > 0"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kStudyColumns,
                                             " FROM endurance_studies ORDER BY id DESC LIMIT ?1")));
  RETURN_IF_ERROR(stmt.BindInt64(1, limit));
  std::vector<EnduranceStudyRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return out;
    out.push_back(ReadStudy(stmt));
  }
}

absl::StatusOr<EnduranceStudyRecord> TraceStore::GetEnduranceStudy(int64_t study_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kStudyColumns,
                                             " FROM endurance_studies WHERE id = ?1")));
  RETURN_IF_ERROR(stmt.BindInt64(1, study_id));
  ASSIGN_OR_RETURN(const bool found, stmt.Step());
  if (!found) return NoStudy(study_id);
  return ReadStudy(stmt);
}

absl::StatusOr<std::vector<EndurancePointRecord>> TraceStore::GetEndurancePoints(
    int64_t study_id) {
  absl::MutexLock lock(&mu_);
  {
    ASSIGN_OR_RETURN(Statement exists,
                     db_->Prepare("SELECT 1 FROM endurance_studies WHERE id = ?1"));
    RETURN_IF_ERROR(exists.BindInt64(1, study_id));
    ASSIGN_OR_RETURN(const bool found, exists.Step());
    if (!found) return NoStudy(study_id);
  }
  ASSIGN_OR_RETURN(Statement stmt,
                   db_->Prepare(absl::StrCat("SELECT ", kPointColumns,
                                             " FROM endurance_points WHERE study_id = ?1 "
                                             "ORDER BY rowid")));
  RETURN_IF_ERROR(stmt.BindInt64(1, study_id));
  std::vector<EndurancePointRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (!has_row) return out;
    EndurancePointRecord& p = out.emplace_back();
    p.scheme = stmt.ColumnText(0);
    p.timepoint = static_cast<int>(stmt.ColumnInt64(1));
    p.label = stmt.ColumnText(2);
    p.cum_days = stmt.ColumnDouble(3);
    p.correct = stmt.ColumnInt64(5);
    p.total = stmt.ColumnInt64(6);
    p.high_path = stmt.ColumnInt64(7);
    p.mask_chip = static_cast<int>(stmt.ColumnInt64(8));
    p.mask_stuck_bits = stmt.ColumnInt64(9);
    for (absl::string_view part : absl::StrSplit(stmt.ColumnText(11), ',', absl::SkipEmpty())) {
      int64_t v = 0;
      if (!absl::SimpleAtoi(part, &v)) {
        return absl::DataLossError(absl::StrCat("endurance study ", study_id, " point (",
                                                p.scheme, ", ", p.timepoint,
                                                "): bad stuck_bits_per_chip entry '", part, "'"));
      }
      p.stuck_bits_per_chip.push_back(v);
    }
  }
}

}  // namespace illusion::store
