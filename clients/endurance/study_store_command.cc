#include "clients/endurance/study_store_command.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/endurance/flag_args.h"
#include "clients/endurance/study_command.h"
#include "clients/endurance/study_figures.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/records.h"
#include "store/trace_store.h"

namespace illusion::clients {
namespace {

struct StoreFlags {
  std::string db;
  std::string figures;
  int limit = 20;
  int64_t study = 0;
  bool json = false;
  bool csv = false;
  bool help = false;
};

// --name=value / --name value; --json, --csv booleans. `allowed` are the
// flags this subcommand takes.
absl::StatusOr<StoreFlags> ParseStoreFlags(const std::vector<std::string>& args,
                                           const std::vector<std::string>& allowed) {
  StoreFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    ASSIGN_OR_RETURN(FlagArgument flag, SplitFlagArgument(args, i));
    if (flag.name == "help" && !flag.has_value) {
      f.help = true;
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), flag.name) == allowed.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '--", flag.name, "'"));
    }
    if (flag.name == "json" || flag.name == "csv") {
      ASSIGN_OR_RETURN(bool on, BooleanFlagValue(flag));
      (flag.name == "json" ? f.json : f.csv) = on;
      continue;
    }
    RETURN_IF_ERROR(TakeFlagValue(args, &i, &flag));
    const std::string& name = flag.name;
    const std::string& value = flag.value;
    if (name == "db") {
      if (value.empty()) return absl::InvalidArgumentError("--db: '' is not a file name");
      f.db = value;
    } else if (name == "figures") {
      if (value.empty()) return absl::InvalidArgumentError("--figures: '' is not a directory");
      f.figures = value;
    } else if (name == "limit") {
      if (!absl::SimpleAtoi(value, &f.limit) || f.limit < 1 || f.limit > 100000) {
        return absl::InvalidArgumentError(
            absl::StrCat("--limit: '", value, "' is not an integer in [1, 100000]"));
      }
    } else if (name == "study") {
      if (!absl::SimpleAtoi(value, &f.study) || f.study < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("--study: '", value, "' is not a study id (an integer >= 1)"));
      }
    }
  }
  if (f.json && f.csv) return absl::InvalidArgumentError("--json contradicts --csv; give one");
  return f;
}

absl::StatusOr<std::pair<std::unique_ptr<store::TraceStore>, std::string>> OpenStore(
    const StoreFlags& flags) {
  std::string path = flags.db;
  if (path.empty()) {
    absl::StatusOr<std::string> def = store::TraceStore::DefaultPath();
    if (!def.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(def.status().message(), "; give --db=FILE"));
    }
    path = *def;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::TraceStore> store, store::TraceStore::Open(path));
  return std::make_pair(std::move(store), path);
}

std::string OptionalText(const std::optional<double>& v, const char* format) {
  return v.has_value() ? absl::StrFormat(format, *v) : std::string("-");
}

nlohmann::ordered_json OptionalJson(const std::optional<double>& v) {
  return v.has_value() ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// The study's result rebuilt from its rows (complete studies).
absl::StatusOr<StudyResult> ResultFromStore(const store::EnduranceStudyRecord& study,
                                            const std::vector<store::EndurancePointRecord>& points,
                                            const std::string& db) {
  StudyResult r;
  r.study_id = study.id;
  r.db = db;
  r.clean.correct = static_cast<int>(study.clean_correct);
  r.clean.total = static_cast<int>(study.clean_total);
  r.nr_lifetime_days = study.nr_lifetime_days.value_or(0);
  r.de_lifetime_days = study.de_lifetime_days.value_or(0);
  if (!study.summary_json.empty()) RETURN_IF_ERROR(ApplyStudySummaryJson(study.summary_json, r));
  for (const store::EndurancePointRecord& p : points) {
    StudyPoint q;
    q.scheme = p.scheme;
    q.timepoint = p.timepoint;
    q.label = p.label;
    q.days = p.cum_days;
    q.mask_chip = p.mask_chip;
    q.mask_stuck_bits = static_cast<int>(p.mask_stuck_bits);
    q.stuck_bits_per_chip.assign(p.stuck_bits_per_chip.begin(), p.stuck_bits_per_chip.end());
    q.accuracy.correct = static_cast<int>(p.correct);
    q.accuracy.total = static_cast<int>(p.total);
    q.accuracy.high_path = static_cast<int>(p.high_path);
    r.points.push_back(std::move(q));
  }
  return r;
}

int Usage(std::ostream& err, absl::string_view command, const absl::Status& status) {
  err << "illusionctl endurance " << command << ": " << status.message() << "\n"
      << kStudyStoreUsage;
  return 2;
}

int Failure(std::ostream& err, absl::string_view command, const absl::Status& status) {
  err << "illusionctl endurance " << command << ": " << status.message() << "\n";
  return 1;
}

}  // namespace

int RunEnduranceList(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<StoreFlags> flags = ParseStoreFlags(args, {"db", "limit", "json"});
  if (!flags.ok()) return Usage(err, "list", flags.status());
  if (flags->help) {
    out << kStudyStoreUsage;
    return 0;
  }
  auto opened = OpenStore(*flags);
  if (!opened.ok()) return Failure(err, "list", opened.status());
  store::TraceStore& db = *opened->first;
  absl::StatusOr<std::vector<store::EnduranceStudyRecord>> studies =
      db.ListEnduranceStudies(flags->limit);
  if (!studies.ok()) return Failure(err, "list", studies.status());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::string text = absl::StrFormat("%5s  %-10s  %-8s  %-8s  %5s  %6s  %8s  %9s  %9s  %7s  %s\n",
                                     "id", "status", "workload", "source", "chips", "points",
                                     "clean%", "NR days", "DE days", "gain", "started");
  for (const store::EnduranceStudyRecord& s : *studies) {
    absl::StatusOr<std::vector<store::EndurancePointRecord>> points = db.GetEndurancePoints(s.id);
    if (!points.ok()) return Failure(err, "list", points.status());
    const std::string status(store::RunStatusName(s.status));
    absl::StrAppend(&text, absl::StrFormat(
                               "%5d  %-10s  %-8s  %-8s  %5d  %6d  %8s  %9s  %9s  %7s  %s\n", s.id,
                               status, s.spec.workload, s.spec.source, s.spec.chips,
                               points->size(), OptionalText(s.clean_accuracy_pct, "%.2f"),
                               OptionalText(s.nr_lifetime_days, "%g"),
                               OptionalText(s.de_lifetime_days, "%g"),
                               OptionalText(s.lifetime_gain, "%.1fx"), s.started_at));
    nlohmann::ordered_json j;
    j["id"] = s.id;
    j["status"] = status;
    j["workload"] = s.spec.workload;
    j["source"] = s.spec.source;
    j["chips"] = s.spec.chips;
    j["points"] = points->size();
    j["clean_accuracy_pct"] = OptionalJson(s.clean_accuracy_pct);
    j["nr_lifetime_days"] = OptionalJson(s.nr_lifetime_days);
    j["de_lifetime_days"] = OptionalJson(s.de_lifetime_days);
    j["lifetime_gain"] = OptionalJson(s.lifetime_gain);
    j["started_at"] = s.started_at;
    j["finished_at"] = s.finished_at.empty() ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(s.finished_at);
    j["error"] = s.error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.error);
    list.push_back(std::move(j));
  }
  if (flags->json) {
    out << list.dump(2) << "\n";
  } else if (studies->empty()) {
    out << "no endurance studies in " << opened->second << "\n";
  } else {
    out << text;
  }
  return 0;
}

int RunEnduranceShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<StoreFlags> flags = ParseStoreFlags(args, {"db", "study", "json", "csv", "figures"});
  if (!flags.ok()) return Usage(err, "show", flags.status());
  if (flags->help) {
    out << kStudyStoreUsage;
    return 0;
  }
  if (flags->study == 0) return Usage(err, "show", absl::InvalidArgumentError("give --study=ID"));
  auto opened = OpenStore(*flags);
  if (!opened.ok()) return Failure(err, "show", opened.status());
  store::TraceStore& db = *opened->first;
  absl::StatusOr<store::EnduranceStudyRecord> study = db.GetEnduranceStudy(flags->study);
  if (!study.ok()) {
    return Failure(err, "show",
                   absl::Status(study.status().code(), absl::StrCat(study.status().message(),
                                                                    " in ", opened->second)));
  }
  absl::StatusOr<std::vector<store::EndurancePointRecord>> points =
      db.GetEndurancePoints(study->id);
  if (!points.ok()) return Failure(err, "show", points.status());
  absl::StatusOr<StudyFlags> study_flags = StudyFlagsFromConfigJson(study->spec.config_json);
  if (!study_flags.ok()) return Failure(err, "show", study_flags.status());
  absl::StatusOr<StudyResult> result = ResultFromStore(*study, *points, opened->second);
  if (!result.ok()) return Failure(err, "show", result.status());
  const bool complete = study->status == store::RunStatus::kComplete;
  const std::string status(store::RunStatusName(study->status));
  if (flags->csv) {
    out << FormatStudyCsv(*result);
  } else if (flags->json) {
    nlohmann::ordered_json j;
    if (complete) {
      j = nlohmann::ordered_json::parse(FormatStudyJson(*study_flags, *result));
    } else {
      j["workload"] = study->spec.workload;
      j["source"] = study->spec.source;
      j["points_csv"] = FormatStudyCsv(*result);
      j["study"] = {{"id", study->id}, {"db", opened->second}};
    }
    j["status"] = status;
    j["started_at"] = study->started_at;
    j["finished_at"] = study->finished_at.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(study->finished_at);
    j["error"] =
        study->error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(study->error);
    out << j.dump(2) << "\n";
  } else if (complete) {
    out << FormatStudyText(*study_flags, *result);
  } else {
    out << "endurance study " << study->id << " in " << opened->second << ": " << status
        << " (started " << study->started_at
        << (study->finished_at.empty() ? "" : ", ended " + study->finished_at) << ")"
        << (study->error.empty() ? "" : "; " + study->error) << "\n"
        << points->size() << " points recorded:\n"
        << FormatStudyCsv(*result);
  }
  if (!flags->figures.empty()) {
    if (result->points.empty()) {
      return Failure(err, "show",
                     absl::FailedPreconditionError(absl::StrCat(
                         "endurance study ", study->id, " has no points to plot")));
    }
    absl::StatusOr<std::vector<std::string>> paths =
        WriteStudyFigures(*study_flags, *result, flags->figures);
    if (!paths.ok()) return Failure(err, "show", paths.status());
    for (const std::string& path : *paths) err << "figure: " << path << "\n";
  }
  return 0;
}

}  // namespace illusion::clients
